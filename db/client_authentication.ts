/**
 * Client authentication for every kind of client with a secret in a project (the project's own cid_…, its
 * machine clients mcl_…): typed wrappers around api.verify_client and api.authenticate_client (lockout, secret
 * check and failure count in one; migrations 0305, 1903, 2000). lib/oauth/authenticate_client.ts is the one
 * caller.
 */
import { z } from "zod";
import { asApp, asAppStatement, type Fragment, retrying, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

export const VerifiedClientSchema = z.object({
  project_id: z.string(),
  kind: z.enum(["project", "machine"]),
  enabled: z.boolean(),
  /** Its token requests need a DPoP proof (RFC 9449 §5): its own mark, or its project's settings.dpop.required. */
  dpop_required: z.boolean().optional(),
});
export type VerifiedClient = z.infer<typeof VerifiedClientSchema>;

/** Which client these credentials belong to (either kind), or null when they do not match. */
export async function verifyClient(
  tx: Tx,
  clientId: string,
  secretHash: Uint8Array,
): Promise<VerifiedClient | null> {
  return await result(
    tx`select api.verify_client(${clientId}, ${secretHash}) as result`,
    VerifiedClientSchema.nullable(),
  );
}

/**
 * A brute-force bucket: after `max` failures within `window_seconds`, attempts wait for the window to end —
 * except, with `spare_if_clean`, callers whose bucket of that name holds no failure (db/api/clients.sql).
 */
export type FailureBucket = { name: string; max: number; window_seconds: number; spare_if_clean?: string };

const ClientAuthOutcomeSchema = z.union([
  z.object({ wait: z.number().int().positive() }),
  z.object({ client: VerifiedClientSchema }),
  z.object({}).strict(),
]);
export type ClientAuthOutcome = z.infer<typeof ClientAuthOutcomeSchema>;

/** What a grant decided in the authentication's statement may call, per kind of client (null: nothing). */
export type GrantCalls = { project: Fragment | null; machine: Fragment | null };

/**
 * api.authenticate_client and, for an enabled client, the grant of its kind, in ONE statement and one round
 * trip (no BEGIN/COMMIT: the statement is its own transaction, run as astapa_app). The grant runs after the
 * authentication has set the client's project (the `auth` CTE is materialized before the select list reads
 * it) and only when the secret matched, so a wrong secret counts as a failure and the grant never runs. A grant
 * that raises rolls the statement back; a successful authentication writes nothing, so nothing is lost.
 * `withoutProof`: a token request without a DPoP proof — the grant does not run for a client that requires one
 * (the caller refuses it), so a code or device code it names is left as it was.
 */
export async function authenticateClientAnd(
  sql: Sql,
  clientId: string,
  secretHash: Uint8Array,
  buckets: FailureBucket[],
  grant: (sql: Sql, clientId: string) => GrantCalls,
  withoutProof = false,
): Promise<{ outcome: ClientAuthOutcome; grant: unknown }> {
  const calls = grant(sql, clientId);
  const proofAllows = withoutProof
    ? sql`and (outcome #>> '{client,dpop_required}') is distinct from 'true'`
    : sql``;
  // One statement, its own transaction: retried only while it certainly did not run (db/failover.ts).
  const [row] = await retrying(sql, () =>
    asAppStatement(
      sql,
      null,
      (app) =>
        sql`with ${app},
        auth as materialized (
          select api.authenticate_client(${clientId}, ${secretHash}, ${
          sql.json(buckets)
        }) as outcome from app)
        select outcome as result,
          case when (outcome #>> '{client,enabled}')::boolean ${proofAllows} then
            case outcome #>> '{client,kind}' when 'project' then ${calls.project ?? sql`null::jsonb`}
                                             when 'machine' then ${calls.machine ?? sql`null::jsonb`} end
          end as grant
        from auth`,
    ));
  return { outcome: ClientAuthOutcomeSchema.parse(row.result), grant: row.grant };
}

/**
 * The grant of a client whose credentials this instance verified already (lib/oauth/verified_clients.ts), acting
 * for its project and kind as api.authenticate_client sets them: one statement, without the secret check and
 * the lockout read. Null when the client's kind has no call.
 */
export async function grantForVerifiedClient(
  sql: Sql,
  client: { projectId: string; kind: "project" | "machine" },
  grant: (sql: Sql, clientId: string) => GrantCalls,
  clientId: string,
): Promise<unknown> {
  const call = grant(sql, clientId)[client.kind];
  if (!call) return null;
  const [row] = await retrying(sql, () =>
    asAppStatement(
      sql,
      client.projectId,
      (app) => sql`with ${app} select ${call} as grant from app`,
      { clientKind: client.kind },
    ));
  return row.grant;
}

/** Audits a known client refused for its kind (client.refused in its project's audit log). */
export async function recordRefusedClient(
  sql: Sql,
  projectId: string,
  refused: { clientId: string; kind: string; method: string; path: string },
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    await tx`select api.record_refused_client(${refused.clientId}, ${refused.kind}, ${refused.method},
      ${refused.path})`;
  }, { actor: `client:${refused.clientId.slice(0, 100)}` });
}
