/**
 * Authenticates the calling client — a project's own client (cid_…) or one of its machine clients (mcl_…) —
 * and learns its project, with brute-force protection shared by every instance: after 10 failures for one client_id, or 30 from one address, within 5 minutes, further attempts
 * wait for the window to pass (429 with Retry-After) without the secret being checked.
 */
import { clientAddress } from "../http/client_address.ts";
import type { Ctx } from "../app_env.ts";
import type { Sql } from "../../db/client.ts";
import { AppError } from "../http/errors.ts";
import { sha256 } from "../secrets.ts";
import {
  authenticateClientAnd,
  type FailureBucket,
  type GrantCalls,
  type VerifiedClient,
} from "../../db/machine_clients.ts";
import { BASIC_CHALLENGE, type ClientAuthMethod, presentedClient } from "./client_auth.ts";
import type { OAuthParams } from "./params.ts";
import { countLockout } from "../metrics/metrics.ts";

export const CLIENT_FAILURES = { perClient: 10, perAddress: 30, windowSeconds: 300 };

export type AuthenticatedClient = {
  projectId: string;
  clientId: string;
  /** The project's own client, a machine client of that project, or a dynamically registered client. */
  kind: VerifiedClient["kind"] | "dynamic";
  method: ClientAuthMethod;
};

export async function authenticateClient(c: Ctx, params: OAuthParams): Promise<AuthenticatedClient> {
  return (await authenticateClientAndGrant(c, params, () => NO_GRANT)).client;
}

const NO_GRANT: GrantCalls = { project: null, machine: null };

/**
 * Authenticates the client and, in the same statement (one round trip, acting for the client's project),
 * calls the grant `grant` names for its kind. The grant runs only for an enabled client whose secret matched;
 * `grant` is null when the client's kind has no call (the caller decides what that means).
 */
export async function authenticateClientAndGrant(
  c: Ctx,
  params: OAuthParams,
  grant: (sql: Sql, clientId: string) => GrantCalls,
): Promise<{ client: AuthenticatedClient; grant: unknown }> {
  const presented = presentedClient(c.req.header("authorization"), params);
  const challenge = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  if (presented.secret === null) {
    throw new AppError("invalid_client", { description: "This client must authenticate with its secret." });
  }
  const buckets = failureBuckets(c, presented.clientId);
  const secretHash = await sha256(presented.secret);
  // Failures are counted by api.authenticate_client and committed with the statement; the errors are thrown
  // after it, so a rejected attempt still counts.
  const { outcome, grant: granted } = await authenticateClientAnd(
    c.var.deps.sql,
    presented.clientId,
    secretHash,
    buckets,
    grant,
  );
  if ("wait" in outcome) {
    countLockout("client");
    throw new AppError("rate_limited", {
      description: "Too many failed client authentications. Try again later.",
      headers: { "Retry-After": String(outcome.wait) },
    });
  }
  if (!("client" in outcome)) throw new AppError("invalid_client", { headers: challenge });
  // The secret was right, so saying why is safe (and not counted as a failed guess).
  if (!outcome.client.enabled) {
    throw new AppError("invalid_client", { description: "This client is disabled.", headers: challenge });
  }
  const client: AuthenticatedClient = {
    projectId: outcome.client.project_id,
    clientId: presented.clientId,
    kind: outcome.client.kind,
    method: presented.method,
  };
  return { client, grant: granted };
}

/** The lockout counters a client authentication checks and counts failures in (every kind of client). */
export function failureBuckets(c: Ctx, clientId: string): FailureBucket[] {
  return [
    { name: `client_auth:client:${clientId.slice(0, 100)}`, max: CLIENT_FAILURES.perClient },
    { name: `client_auth:address:${clientAddress(c)}`, max: CLIENT_FAILURES.perAddress },
  ].map((bucket) => ({ ...bucket, window_seconds: CLIENT_FAILURES.windowSeconds }));
}

/**
 * Management APIs (e.g. /api/platform/machine-clients) act with the project's own credentials over HTTP
 * Basic; a machine client may not manage clients.
 */
export async function authenticateProject(c: Ctx): Promise<string> {
  if (!/^basic /i.test(c.req.header("authorization") ?? "")) {
    throw new AppError("unauthorized", {
      description: "Authenticate with the project's client_id and client_secret over HTTP Basic.",
      headers: BASIC_CHALLENGE,
    });
  }
  const client = await authenticateClient(c, {});
  if (client.kind !== "project") {
    throw new AppError("forbidden", { description: "Only the project's own client may manage clients." });
  }
  return client.projectId;
}
