/**
 * Authenticates the calling client — a project's own client (cid_…) or one of its machine clients (mcl_…) —
 * and learns its project, with brute-force protection shared by every instance: after 10 failures for one client_id, or 30 from one address, within 5 minutes, further attempts
 * wait for the window to pass (429 with Retry-After) without the secret being checked.
 */
import { getConnInfo } from "hono/deno";
import type { Ctx } from "../app_env.ts";
import { asApp } from "../../db/client.ts";
import { AppError } from "../http/errors.ts";
import { sha256 } from "../secrets.ts";
import { type VerifiedClient, verifyClient } from "../../db/machine_clients.ts";
import { BASIC_CHALLENGE, type ClientAuthMethod, presentedClient } from "./client_auth.ts";
import type { OAuthParams } from "./params.ts";

export const CLIENT_FAILURES = { perClient: 10, perAddress: 30, windowSeconds: 300 };

export type AuthenticatedClient = {
  projectId: string;
  clientId: string;
  /** The project's own client, or a machine client of that project. */
  kind: VerifiedClient["kind"];
  method: ClientAuthMethod;
};

export async function authenticateClient(c: Ctx, params: OAuthParams): Promise<AuthenticatedClient> {
  const presented = presentedClient(c.req.header("authorization"), params);
  const challenge = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  if (presented.secret === null) {
    throw new AppError("invalid_client", { description: "This client must authenticate with its secret." });
  }
  const buckets = [
    { name: `client_auth:client:${presented.clientId.slice(0, 100)}`, max: CLIENT_FAILURES.perClient },
    { name: `client_auth:address:${clientAddress(c)}`, max: CLIENT_FAILURES.perAddress },
  ];
  const secretHash = await sha256(presented.secret);
  const outcome = await asApp(c.var.deps.sql, null, async (tx) => {
    for (const bucket of buckets) {
      const [{ wait }] = await tx`select api.rate_limit_wait(${bucket.name}, ${bucket.max}) as wait`;
      if (wait > 0) return { wait };
    }
    const client = await verifyClient(tx, presented.clientId, secretHash);
    if (client) return { client };
    for (const bucket of buckets) {
      await tx`select api.rate_limit_hit(${bucket.name}, ${bucket.max}, ${CLIENT_FAILURES.windowSeconds})`;
    }
    return {};
  });
  if ("wait" in outcome) {
    throw new AppError("rate_limited", {
      description: "Too many failed client authentications. Try again later.",
      headers: { "Retry-After": String(outcome.wait) },
    });
  }
  if (!outcome.client) throw new AppError("invalid_client", { headers: challenge });
  // The secret was right, so saying why is safe (and not counted as a failed guess).
  if (!outcome.client.enabled) {
    throw new AppError("invalid_client", { description: "This client is disabled.", headers: challenge });
  }
  return {
    projectId: outcome.client.project_id,
    clientId: presented.clientId,
    kind: outcome.client.kind,
    method: presented.method,
  };
}

/** The peer address; behind a proxy this is the proxy (forwarded headers are not trusted by default). */
export function clientAddress(c: Ctx): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no connection
  }
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
