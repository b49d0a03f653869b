/**
 * `astapa account create`: invites a developer (optionally straight into a project). There is no password to
 * hand out: developers sign in through the console project's hosted login, and the account is linked to the
 * console user whose verified email matches it (docs/dashboard.md). For an email that already has an account
 * it uses that account, so a project made with the CLI can be attached to a developer who already signs in.
 */
import { addMember, MemberRoleSchema } from "@/db/accounts.ts";
import { inviteAccount } from "@/db/dashboard.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { consoleBaseUrls } from "@/db/dashboard.ts";
import type { Config } from "@/config.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const ACCOUNT_USAGE = `  account create --email E [--project ID [--role owner|admin|viewer]]
                             invite a developer (or take their existing account) and make them a member;
                             they sign in at /dashboard with that (verified) email`;

export async function accountCommand(
  sql: Sql,
  args: ParsedArgs,
  out: Output,
  config: Config,
): Promise<number> {
  const action = args.positionals[1];
  if (action !== "create") throw new UsageError(`Unknown account command "${action ?? ""}"`);
  allowFlags(args, ["email", "project", "role"]);
  operands(args, 2, []);
  const email = flag(args, "email", true);
  const project = flag(args, "project");
  const role = MemberRoleSchema.safeParse(flag(args, "role") ?? "owner");
  if (!role.success) throw new UsageError("--role must be owner, admin or viewer");
  if (!project && args.flags.has("role")) throw new UsageError("--role needs --project");

  const { account, membership } = await asApp(sql, project ?? null, async (tx) => {
    // The account for this email, made as an invitation when there is none (api.invite_account).
    const account = await inviteAccount(tx, email);
    const membership = project ? await addMember(tx, project, account.id, role.data) : null;
    return { account, membership };
  }, { actor: "cli" });

  const signIn = `${await dashboardBaseUrl(sql, config)}/dashboard`;
  out.result(
    {
      account_id: account.id,
      email: account.email,
      sign_in_url: signIn,
      ...(membership ? { project_id: membership.project_id, role: membership.role } : {}),
    },
    table([
      ["account_id", account.id],
      ["email", account.email],
      ["sign_in_url", `${signIn}  (sign up or sign in there with this email, then verify it)`],
      ...(membership
        ? [["member_of", `${membership.project_id} as ${membership.role}`] as [string, string]]
        : []),
    ]),
  );
  return 0;
}

/**
 * Where developers sign in: ASTAPA_BASE_URL when the CLI has it, else the address the deployment's servers
 * booted with (the newest https one, or the newest), and localhost only when no server has run yet.
 */
async function dashboardBaseUrl(sql: Sql, config: Config): Promise<string> {
  if (config.baseUrlConfigured) return config.baseUrl;
  const served = await asApp(sql, null, (tx) => consoleBaseUrls(tx));
  return served.findLast((url) => url.startsWith("https://")) ?? served.at(-1) ?? config.baseUrl;
}
