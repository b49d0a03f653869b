/** Typed calls to the back-channel logout outbox (db/api/backchannel_logout.sql). */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import { type Project, ProjectSchema } from "./projects.ts";

const ClaimedLogoutSchema = z.object({
  id: z.string(),
  attempt: z.number().int(),
  client_id: z.string(),
  url: z.string(),
  sid: z.string(),
  sub: z.string(),
});
export type ClaimedLogout = z.infer<typeof ClaimedLogoutSchema>;

const LogoutStatus = z.enum(["pending", "sending", "delivered", "failed"]);

export const BackchannelLogoutSchema = z.object({
  id: z.string(),
  client_id: z.string(),
  url: z.string(),
  sid: z.string(),
  sub: z.string(),
  status: LogoutStatus,
  attempts: z.number().int(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
});
export type BackchannelLogout = z.infer<typeof BackchannelLogoutSchema>;

/** The projects with logout tokens due (across projects: the worker acts for none yet). */
export function projectsWithDueLogouts(sql: Sql, max = 100): Promise<string[]> {
  return asApp(
    sql,
    null,
    (tx) =>
      result(tx`select api.projects_with_due_backchannel_logouts(${max}) as result`, z.array(z.string())),
  );
}

/** Claims due logout tokens of one project for a lease. */
export function claimLogouts(
  sql: Sql,
  projectId: string,
  max: number,
  leaseSeconds: number,
): Promise<ClaimedLogout[]> {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.claim_backchannel_logouts(${projectId}, ${max}, ${leaseSeconds}) as result`,
        z.array(ClaimedLogoutSchema),
      ),
  );
}

/** Records how one attempt went; null when the claim was no longer this attempt's. */
export function recordLogoutAttempt(
  sql: Sql,
  projectId: string,
  attempt: {
    id: string;
    attempt: number;
    httpStatus: number | null;
    error: string | null;
    retryIn: number | null;
  },
): Promise<z.infer<typeof LogoutStatus> | null> {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.record_backchannel_logout_attempt(${projectId}, ${attempt.id}, ${attempt.attempt},
             ${attempt.httpStatus}, ${attempt.error}, ${attempt.retryIn}) as result`,
        LogoutStatus.nullable(),
      ),
  );
}

/** The project's latest logout tokens, newest first (the Platform API shows them). */
export function listLogouts(tx: Tx, max = 50): Promise<BackchannelLogout[]> {
  return result(tx`select api.list_backchannel_logouts(${max}) as result`, z.array(BackchannelLogoutSchema));
}

/** Changes the project client's logout metadata key by key (null removes one); returns the project. */
export function updateLogoutSettings(
  tx: Tx,
  projectId: string,
  changes: Record<string, unknown>,
  internalReason: string | null,
): Promise<Project> {
  return result(
    tx`select api.update_logout_settings(${projectId}, ${JSON.stringify(changes)}::text::jsonb,
         ${internalReason}::text) as result`,
    ProjectSchema,
  );
}
