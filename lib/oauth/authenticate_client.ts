/**
 * Authenticates the calling client — a project's own client (cid_…) or one of its machine clients (mcl_…) —
 * and learns its project, with brute-force protection shared by every instance: after 10 failures for one client_id, or 30 from one address, within 5 minutes, further attempts
 * wait for the window to pass (429 with Retry-After) without the secret being checked.
 */
import { clientAddress } from "../http/client_address.ts";
import type { Ctx } from "../app_env.ts";
import { asApp, type Tx } from "../../db/client.ts";
import { AppError } from "../http/errors.ts";
import { sha256 } from "../secrets.ts";
import { authenticateClientIn, type FailureBucket, type VerifiedClient } from "../../db/machine_clients.ts";
import { BASIC_CHALLENGE, type ClientAuthMethod, presentedClient } from "./client_auth.ts";
import type { OAuthParams } from "./params.ts";

export const CLIENT_FAILURES = { perClient: 10, perAddress: 30, windowSeconds: 300 };

export type AuthenticatedClient = {
  projectId: string;
  clientId: string;
  /** The project's own client, a machine client of that project, or a dynamically registered client. */
  kind: VerifiedClient["kind"] | "dynamic";
  method: ClientAuthMethod;
};

export async function authenticateClient(c: Ctx, params: OAuthParams): Promise<AuthenticatedClient> {
  return (await authenticateClientThen(c, params, () => Promise.resolve(null))).client;
}

/**
 * Authenticates the client, then runs `work` for it in the same transaction, which already acts for the
 * client's project (RLS). The client_credentials grant uses this to cost one transaction per request.
 * `work` runs only for an enabled client; if it throws, its transaction rolls back (a successful
 * authentication writes nothing, so nothing is lost).
 */
export async function authenticateClientThen<T>(
  c: Ctx,
  params: OAuthParams,
  work: (tx: Tx, client: AuthenticatedClient) => Promise<T>,
): Promise<{ client: AuthenticatedClient; result: T }> {
  const presented = presentedClient(c.req.header("authorization"), params);
  const challenge = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  if (presented.secret === null) {
    throw new AppError("invalid_client", { description: "This client must authenticate with its secret." });
  }
  const buckets = failureBuckets(c, presented.clientId);
  const secretHash = await sha256(presented.secret);
  // Failures are counted by api.authenticate_client and committed with this transaction; the errors are
  // thrown after it, so a rejected attempt still counts.
  const outcome = await asApp(c.var.deps.sql, null, async (tx) => {
    const outcome = await authenticateClientIn(tx, presented.clientId, secretHash, buckets);
    if (!("client" in outcome) || !outcome.client.enabled) return { outcome };
    const client: AuthenticatedClient = {
      projectId: outcome.client.project_id,
      clientId: presented.clientId,
      kind: outcome.client.kind,
      method: presented.method,
    };
    return { outcome, client, result: await work(tx, client) };
  });
  if ("wait" in outcome.outcome) {
    throw new AppError("rate_limited", {
      description: "Too many failed client authentications. Try again later.",
      headers: { "Retry-After": String(outcome.outcome.wait) },
    });
  }
  if (!("client" in outcome.outcome)) throw new AppError("invalid_client", { headers: challenge });
  // The secret was right, so saying why is safe (and not counted as a failed guess).
  if (!("client" in outcome) || !outcome.client) {
    throw new AppError("invalid_client", { description: "This client is disabled.", headers: challenge });
  }
  return { client: outcome.client, result: outcome.result as T };
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
