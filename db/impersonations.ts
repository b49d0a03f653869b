/**
 * Typed wrappers around the impersonation functions in `api` (db/api/impersonations.sql): support staff signing in
 * as a user through a one-time link (docs/impersonation.md).
 */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

export const ImpersonationSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
  created_at: z.string(),
  /** When the link stops opening (5 minutes after it was made). */
  expires_at: z.string(),
  /** When the impersonation ends, and everything issued from it. */
  ends_at: z.string(),
  opened_at: z.string().nullable(),
  ended_at: z.string().nullable(),
});
export type Impersonation = z.infer<typeof ImpersonationSchema>;

export type NewImpersonation = { actor: string; reason?: string; minutes?: number; tokenHash: Uint8Array };

export function createImpersonation(
  tx: Tx,
  projectId: string,
  userId: string,
  input: NewImpersonation,
): Promise<Impersonation> {
  return result(
    tx`select api.create_impersonation(${projectId}, ${userId}::bigint, ${input.actor}, ${
      input.reason ?? null
    },
      ${input.minutes ?? 15}::integer, ${input.tokenHash}) as result`,
    ImpersonationSchema,
  );
}

/** The user's live impersonations, newest first. */
export function listImpersonations(tx: Tx, projectId: string, userId: string): Promise<Impersonation[]> {
  return result(
    tx`select api.list_impersonations(${projectId}, ${userId}::bigint) as result`,
    z.array(ImpersonationSchema),
  );
}

/** Ends the impersonation now: its session, refresh tokens and codes with it. */
export function endImpersonation(
  tx: Tx,
  projectId: string,
  userId: string,
  id: string,
): Promise<Impersonation> {
  return result(
    tx`select api.end_impersonation(${projectId}, ${userId}::bigint, ${id}) as result`,
    ImpersonationSchema,
  );
}

const LinkSchema = ImpersonationSchema.extend({ email: z.string().nullable() });
export type ImpersonationLink = z.infer<typeof LinkSchema>;

/** What a usable link would open, or null (unknown, used, expired, ended). */
export async function impersonationLink(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
): Promise<ImpersonationLink | null> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.impersonation_link(${tokenHash}) as s`,
  );
  return row.s === null ? null : LinkSchema.parse(row.s);
}

const OpenedSchema = LinkSchema.extend({
  ended_session: z.object({ email: z.string().nullable(), same_user: z.boolean() }).nullable(),
});
export type OpenedImpersonation = z.infer<typeof OpenedSchema>;

/**
 * Opens the link once, starting the browser's session (`sessionHash`) and ending the one it held (`replaces`);
 * AS4G0 (invalid_grant) for a link that no longer opens.
 */
export function openImpersonation(
  sql: Sql,
  projectId: string,
  opening: { tokenHash: Uint8Array; sessionHash: Uint8Array; replaces?: Uint8Array; userAgent?: string },
): Promise<OpenedImpersonation> {
  return asApp(sql, projectId, (tx) =>
    result(
      tx`select api.open_impersonation(${opening.tokenHash}, ${opening.sessionHash}, ${
        opening.replaces ?? null
      },
        ${opening.userAgent ?? null}) as result`,
      OpenedSchema,
    ), { actor: "hosted_login" });
}

const SessionSchema = z.object({
  impersonation_id: z.string(),
  user_id: z.string(),
  email: z.string().nullable(),
  actor: z.string(),
  ends_at: z.string(),
});
export type ImpersonatedSession = z.infer<typeof SessionSchema>;

/** The impersonation behind a browser's live session, or null (a person's own session, or none live). */
export async function impersonatedSession(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
): Promise<ImpersonatedSession | null> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.impersonated_session(${sessionHash}) as s`,
  );
  return row.s === null ? null : SessionSchema.parse(row.s);
}
