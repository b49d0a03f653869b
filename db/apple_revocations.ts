/** Typed calls to the Apple token revocation outbox (db/api/apple_lifecycle.sql). */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

const ClaimedRevocationSchema = z.object({
  id: z.string(),
  attempt: z.number().int(),
  client_id: z.string(),
  token_sealed: z.string(),
});
export type ClaimedRevocation = z.infer<typeof ClaimedRevocationSchema>;

const RevocationOutcome = z.enum(["revoked", "pending", "failed"]);

export const AppleRevocationSchema = z.object({
  id: z.string(),
  client_id: z.string(),
  status: z.enum(["pending", "sending", "failed"]),
  attempts: z.number().int(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
});
export type AppleRevocation = z.infer<typeof AppleRevocationSchema>;

/** The projects with Apple token revocations due (across projects: the worker acts for none yet). */
export function projectsWithDueRevocations(sql: Sql, max = 100): Promise<string[]> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.projects_with_due_apple_revocations(${max}) as result`, z.array(z.string())),
  );
}

/** Claims due revocations of one project for a lease. */
export function claimRevocations(
  sql: Sql,
  projectId: string,
  max: number,
  leaseSeconds: number,
): Promise<ClaimedRevocation[]> {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.claim_apple_revocations(${projectId}, ${max}, ${leaseSeconds}) as result`,
        z.array(ClaimedRevocationSchema),
      ),
  );
}

/** Records how one attempt went; null when the claim was no longer this attempt's. */
export function recordRevocationAttempt(
  sql: Sql,
  projectId: string,
  attempt: {
    id: string;
    attempt: number;
    httpStatus: number | null;
    error: string | null;
    retryIn: number | null;
  },
): Promise<z.infer<typeof RevocationOutcome> | null> {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.record_apple_revocation_attempt(${projectId}, ${attempt.id}, ${attempt.attempt},
             ${attempt.httpStatus}, ${attempt.error}, ${attempt.retryIn}) as result`,
        RevocationOutcome.nullable(),
      ),
  );
}

/** The project's revocations still to do or given up, newest first, without tokens. */
export function listRevocations(tx: Tx, max = 50): Promise<AppleRevocation[]> {
  return result(tx`select api.list_apple_revocations(${max}) as result`, z.array(AppleRevocationSchema));
}
