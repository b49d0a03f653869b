/**
 * `astapa member add|remove|role`: who administers a project, from the CLI — for projects made with the CLI
 * that nobody has claimed in the dashboard yet. The last owner cannot be removed or demoted (the SQL refuses
 * it with conflict), so a project always keeps someone who can manage it.
 */
import { z } from "zod";
import { addMember, MemberRoleSchema, type Membership, removeMember, setMemberRole } from "@/db/accounts.ts";
import { inviteAccount } from "@/db/dashboard.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const MEMBER_USAGE = `  member add --project ID --email E --role owner|admin|viewer
                             make a developer a member (invited when they have no account yet)
  member role --project ID --email E --role owner|admin|viewer
  member remove --project ID --email E
                             change a member's role or take them off; the last owner stays`;

const EmailSchema = z.string().trim().email().max(254);

export async function memberCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  if (action !== "add" && action !== "remove" && action !== "role") {
    throw new UsageError(`Unknown member command "${action ?? ""}"`);
  }
  allowFlags(args, action === "remove" ? ["project", "email"] : ["project", "email", "role"]);
  operands(args, 2, []);
  const project = flag(args, "project", true);
  const email = EmailSchema.safeParse(flag(args, "email", true));
  if (!email.success) throw new UsageError("--email must be an email address");
  const role = action === "remove" ? undefined : MemberRoleSchema.safeParse(flag(args, "role", true));
  if (role && !role.success) throw new UsageError("--role must be owner, admin or viewer");

  const membership: Membership = await asApp(sql, project, async (tx) => {
    if (action === "remove") return await removeMember(tx, project, email.data);
    if (action === "role") return await setMemberRole(tx, project, email.data, role!.data!);
    const account = await inviteAccount(tx, email.data);
    return await addMember(tx, project, account.id, role!.data!);
  }, { actor: "cli" });

  const removed = action === "remove";
  out.result(
    { ...membership, email: email.data, ...(removed ? { removed: true } : {}) },
    table([
      ["project_id", membership.project_id],
      ["email", email.data],
      ["account_id", membership.account_id],
      [removed ? "removed (was)" : "role", membership.role],
    ]),
  );
  return 0;
}
