/**
 * Typed wrappers around the dashboard's functions in `api` (db/api/console.sql): the console project,
 * developer accounts linked to console users, dashboard sessions and an account's projects.
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { MemberRoleSchema } from "./accounts.ts";
import { ModeSchema } from "./projects.ts";
import { result } from "./result.ts";

export const DeveloperSchema = z.object({
  id: z.string(),
  email: z.string(),
  deployment_owner: z.boolean(),
  console_user_id: z.string().nullable(),
});
export type Developer = z.infer<typeof DeveloperSchema>;

export const DashboardSessionSchema = DeveloperSchema.extend({ expires_at: z.string() });
export type DashboardSession = z.infer<typeof DashboardSessionSchema>;

export const AccountProjectSchema = z.object({
  project_id: z.string(),
  name: z.string(),
  mode: ModeSchema,
  client_id: z.string(),
  created_at: z.string(),
  role: MemberRoleSchema,
});
export type AccountProject = z.infer<typeof AccountProjectSchema>;

export const MemberSchema = z.object({
  account_id: z.string(),
  email: z.string(),
  role: MemberRoleSchema,
  signed_in: z.boolean(),
});
export type Member = z.infer<typeof MemberSchema>;

export const ConsoleProjectSchema = z.object({
  project_id: z.string(),
  client_id: z.string(),
  redirect_uri_allowed: z.boolean(),
});

/** The console project (created on first boot); the transaction then acts for it. */
export function ensureConsoleProject(
  tx: Tx,
  redirectUri: string,
  secretHash: Uint8Array,
): Promise<z.infer<typeof ConsoleProjectSchema>> {
  return result(
    tx`select api.ensure_console_project(${redirectUri}, ${secretHash}) as result`,
    ConsoleProjectSchema,
  );
}

/** The base URLs this deployment's servers booted with, oldest first (the transaction then acts for the console). */
export function consoleBaseUrls(tx: Tx): Promise<string[]> {
  return result(tx`select api.console_base_urls() as result`, z.array(z.string()));
}

/** The developer account this console user signs in as (forbidden when the deployment is invite-only). */
export function linkConsoleAccount(tx: Tx, consoleUserId: string): Promise<Developer> {
  return result(tx`select api.link_console_account(${consoleUserId}::bigint) as result`, DeveloperSchema);
}

/** The account for this email, made as an invitation when there is none. */
export function inviteAccount(tx: Tx, email: string): Promise<Developer> {
  return result(tx`select api.invite_account(${email}) as result`, DeveloperSchema);
}

/** Stores a new session by its hash; returns when it expires. */
export function startDashboardSession(
  tx: Tx,
  sessionHash: Uint8Array,
  accountId: string,
  ttlSeconds: number,
): Promise<string> {
  return result(
    tx`select api.start_dashboard_session(${sessionHash}, ${accountId}::bigint, ${ttlSeconds})::text as result`,
    z.string(),
  );
}

/** The account a live session signs in, or null. */
export function dashboardSession(tx: Tx, sessionHash: Uint8Array): Promise<DashboardSession | null> {
  return result(
    tx`select api.dashboard_session(${sessionHash}) as result`,
    DashboardSessionSchema.nullable(),
  );
}

/** Ends a session; false when it was not live. */
export function endDashboardSession(tx: Tx, sessionHash: Uint8Array): Promise<boolean> {
  return result(tx`select api.end_dashboard_session(${sessionHash}) as result`, z.boolean());
}

/** The projects this account is a member of; the transaction must act as the account and for no project. */
export function listAccountProjects(tx: Tx, accountId: string): Promise<AccountProject[]> {
  return result(
    tx`select api.list_account_projects(${accountId}::bigint) as result`,
    z.array(AccountProjectSchema),
  );
}

/** The account's role in the project the transaction acts for, or null when it is not a member. */
export function memberRole(
  tx: Tx,
  projectId: string,
  accountId: string,
): Promise<z.infer<typeof MemberRoleSchema> | null> {
  return result(
    tx`select api.member_role(${projectId}, ${accountId}::bigint) as result`,
    MemberRoleSchema.nullable(),
  );
}

/** The project's members and their roles. */
export function listMembers(tx: Tx, projectId: string): Promise<Member[]> {
  return result(tx`select api.list_members(${projectId}) as result`, z.array(MemberSchema));
}
