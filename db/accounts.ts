/** Typed wrappers around the account functions in `api` (db/api/console.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

export const MemberRoleSchema = z.enum(["owner", "admin", "viewer"]);
export type MemberRole = z.infer<typeof MemberRoleSchema>;

export const AccountSchema = z.object({
  id: z.string(),
  email: z.string(),
  password_reset_required: z.boolean(),
  created_at: z.string(),
});
export type Account = z.infer<typeof AccountSchema>;

export const MembershipSchema = z.object({
  project_id: z.string(),
  account_id: z.string(),
  role: MemberRoleSchema,
});
export type Membership = z.infer<typeof MembershipSchema>;

/** Creates a developer account; `passwordHash` is argon2id, or null for an invite. */
export function createAccount(
  tx: Tx,
  input: { email: string; passwordHash: string | null; passwordResetRequired?: boolean },
): Promise<Account> {
  return result(
    tx`select api.create_account(${input.email}, ${input.passwordHash}::text,
      ${input.passwordResetRequired ?? true}) as result`,
    AccountSchema,
  );
}

/** Lets an account administer the project the transaction acts for. */
export function addMember(
  tx: Tx,
  projectId: string,
  accountId: string,
  role: MemberRole,
): Promise<Membership> {
  return result(
    tx`select api.add_member(${projectId}, ${accountId}::bigint, ${role}) as result`,
    MembershipSchema,
  );
}

/** Changes the role of the project's member with this email; refuses demoting the last owner (conflict). */
export function setMemberRole(
  tx: Tx,
  projectId: string,
  email: string,
  role: MemberRole,
): Promise<Membership> {
  return result(tx`select api.set_member_role(${projectId}, ${email}, ${role}) as result`, MembershipSchema);
}

/** Takes the member with this email off the project; refuses removing the last owner (conflict). */
export function removeMember(tx: Tx, projectId: string, email: string): Promise<Membership> {
  return result(tx`select api.remove_member(${projectId}, ${email}) as result`, MembershipSchema);
}
