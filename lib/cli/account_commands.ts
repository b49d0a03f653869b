/** `astapa account create`: a developer account with a one-time password, optionally a project member. */
import { addMember, createAccount, MemberRoleSchema } from "../../db/accounts.ts";
import { asApp, type Sql } from "../../db/client.ts";
import { hashPassword } from "../passwords.ts";
import { randomSecret } from "../secrets.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const ACCOUNT_USAGE = `  account create --email E [--project ID [--role owner|admin|viewer]]
                             create a developer account; prints a one-time password, once`;

export async function accountCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  if (action !== "create") throw new UsageError(`Unknown account command "${action ?? ""}"`);
  allowFlags(args, ["email", "project", "role"]);
  operands(args, 2, []);
  const email = flag(args, "email", true);
  const project = flag(args, "project");
  const role = MemberRoleSchema.safeParse(flag(args, "role") ?? "owner");
  if (!role.success) throw new UsageError("--role must be owner, admin or viewer");
  if (!project && args.flags.has("role")) throw new UsageError("--role needs --project");

  // 144 random bits; the account must choose its own password at first sign-in.
  const password = randomSecret("", 18);
  const passwordHash = await hashPassword(password);
  const created = await asApp(sql, project ?? null, async (tx) => {
    const account = await createAccount(tx, { email, passwordHash, passwordResetRequired: true });
    const membership = project ? await addMember(tx, project, account.id, role.data) : null;
    return { account, membership };
  }, { actor: "cli" });

  const { account, membership } = created;
  out.result(
    {
      account_id: account.id,
      email: account.email,
      one_time_password: password,
      ...(membership ? { project_id: membership.project_id, role: membership.role } : {}),
    },
    table([
      ["account_id", account.id],
      ["email", account.email],
      ["one_time_password", `${password}  (shown once; it must be changed at first sign-in)`],
      ...(membership
        ? [["member_of", `${membership.project_id} as ${membership.role}`] as [string, string]]
        : []),
    ]),
  );
  return 0;
}
