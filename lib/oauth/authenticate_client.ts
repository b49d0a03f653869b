/**
 * The one client-authentication entry point: who is calling — the project's own client (cid_…), one of its
 * machine clients (mcl_…) or a self-registered client (dcl_…) — checked against the kinds the route declares
 * (lib/router/callers.ts, set on the context by the route family's `authorize`). A known client of another kind
 * is 403 `unauthorized_client`, audited in its project; an unknown client or a wrong secret is 401
 * `invalid_client` behind the shared lockout: failures are counted per (client, address) and per address, and
 * a per-client ceiling slows only the addresses that failed, so a correct secret from a clean address always
 * gets through (issue 17 item 11).
 */
import { clientAddress } from "../http/client_address.ts";
import { lockoutBuckets } from "../http/lockout_buckets.ts";
import type { Ctx } from "../app_env.ts";
import type { Sql } from "@/db/client.ts";
import { AppError, WRONG_CLIENT_KIND } from "../http/errors.ts";
import { sha256 } from "../secrets.ts";
import {
  authenticateClientAnd,
  type FailureBucket,
  type GrantCalls,
  grantForVerifiedClient,
  recordRefusedClient,
} from "@/db/client_authentication.ts";
import type { Caller, ClientKind } from "../router/callers.ts";
import { BASIC_CHALLENGE, type ClientAuthMethod, presentedClient } from "./client_auth.ts";
import {
  dynamicClientProject,
  isSelfRegisteredClientId,
  verifyDynamicClientSecret,
} from "./dynamic_client_auth.ts";
import type { OAuthParams } from "./params.ts";
import { countLockout } from "../metrics/metrics.ts";
import { assertedMachineClientAndGrant } from "./client_assertion.ts";
import { assertProofIfRequired, type TokenRequestProof } from "./dpop_clients.ts";

/**
 * perPair: failures of one client from one address before that pair waits; perAddress: failures from one
 * address (any client) before it waits; perClient: failures of one client from anywhere before every address
 * that has failed for it waits too (clean addresses are spared).
 */
export const CLIENT_FAILURES = { perPair: 10, perAddress: 30, perClient: 10, windowSeconds: 300 };

export type AuthenticatedClient = {
  projectId: string;
  clientId: string;
  kind: ClientKind;
  method: ClientAuthMethod;
  /**
   * Its token requests need a DPoP proof (RFC 9449 §5.2): it was registered or marked
   * dpop_bound_access_tokens, or its project requires DPoP (settings.dpop.required).
   */
  dpopRequired?: boolean;
};

/**
 * For a token request (`tokenRequest`: its DPoP proof or null), a client that must send a proof and sent none is
 * refused as invalid_dpop_proof before its grant runs (assertProofIfRequired, for every kind and grant); `cacheKey`
 * as authenticateClientAndGrant says.
 */
export type ClientAuthOptions = { tokenRequest?: TokenRequestProof; cacheKey?: string };

/** The client kinds the route's declaration accepts; a route without one may not authenticate clients. */
function acceptedKinds(c: Ctx): readonly ClientKind[] {
  const caller: Caller | undefined = c.get("caller");
  if (caller?.kind !== "clients") {
    throw new Error(`${c.req.method} ${c.req.path} authenticates a client but declares no client callers`);
  }
  return caller.clients;
}

/**
 * Authenticates the calling client and checks its kind against the route's declaration (and, for a token
 * request, that it sent a DPoP proof if it must).
 */
export async function authenticateClient(
  c: Ctx,
  params: OAuthParams,
  options: Pick<ClientAuthOptions, "tokenRequest"> = {},
): Promise<AuthenticatedClient> {
  const accepts = acceptedKinds(c);
  const presented = presentedClient(c.req.header("authorization"), params);
  if (isSelfRegisteredClientId(presented.clientId)) {
    const registered = await verifyDynamicClientSecret(c, presented, params);
    if (!accepts.includes("dynamic")) refuseKind(c, presented.clientId, "dynamic", accepts);
    const project = await dynamicClientProject(c, params);
    const client: AuthenticatedClient = {
      ...presented,
      projectId: project.projectId,
      kind: "dynamic",
      ...(registered.dpop_bound_access_tokens === true || project.dpopRequired ? { dpopRequired: true } : {}),
    };
    assertProofIfRequired(client, options.tokenRequest);
    return client;
  }
  return (await authenticateClientAndGrant(c, params, () => NO_GRANT, options)).client;
}

const NO_GRANT: GrantCalls = { project: null, machine: null };

/**
 * Authenticates the client and, in the same statement (one round trip, acting for the client's project),
 * calls the grant `grant` names for its kind. The grant runs only for an enabled client whose secret matched
 * and whose kind the route accepts; `grant` is null when the client's kind has no call (the caller decides
 * what that means). With `cacheKey` (a grant that only reads, named by everything it depends on besides the
 * client), the instance's verified-client cache may answer without Postgres (lib/oauth/verified_clients.ts);
 * without one, credentials the cache verified before run the grant alone. With `tokenRequest`, a client that
 * must send a DPoP proof and sent none is refused and its grant does not run.
 */
export async function authenticateClientAndGrant(
  c: Ctx,
  params: OAuthParams,
  grant: (sql: Sql, clientId: string) => GrantCalls,
  options: ClientAuthOptions = {},
): Promise<{ client: AuthenticatedClient; grant: unknown }> {
  const { cacheKey, tokenRequest } = options;
  const accepts = acceptedKinds(c);
  const presented = presentedClient(c.req.header("authorization"), params);
  if (presented.method === "private_key_jwt") {
    return await assertedMachineClientAndGrant(c, presented, accepts, grant, tokenRequest);
  }
  const challenge = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  if (presented.secret === null) {
    throw new AppError("invalid_client", { description: "This client must authenticate with its secret." });
  }
  const buckets = failureBuckets(c, presented.clientId);
  const secretHash = await sha256(presented.secret);
  const cache = c.var.deps.verifiedClients;
  const bucketNames = buckets.map((b) => b.name);
  const cached = cacheKey === undefined
    ? null
    : cache?.get(presented.clientId, secretHash, bucketNames, cacheKey);
  if (cached && accepts.includes(cached.client.kind)) {
    const client = { ...cached.client, clientId: presented.clientId, method: presented.method };
    assertProofIfRequired(client, tokenRequest);
    return { client, grant: cached.grant };
  }
  const ticket = cache?.ticket() ?? 0;
  const calls = (sql: Sql, clientId: string): GrantCalls => {
    const named = grant(sql, clientId);
    return {
      project: accepts.includes("project") ? named.project : null,
      machine: accepts.includes("machine") ? named.machine : null,
    };
  };
  // Credentials verified before (with another grant key, or for a grant that writes): the grant alone.
  const verified = cache?.verified(presented.clientId, secretHash, bucketNames);
  if (verified && verified.kind !== "dynamic" && accepts.includes(verified.kind)) {
    const kind = verified.kind;
    assertProofIfRequired(verified, tokenRequest);
    const granted = await grantForVerifiedClient(
      c.var.deps.sql,
      { ...verified, kind },
      calls,
      presented.clientId,
    );
    if (cacheKey !== undefined && granted !== null && granted !== undefined) {
      cache!.put(ticket, presented.clientId, secretHash, verified, cacheKey, granted);
    }
    return {
      client: { ...verified, clientId: presented.clientId, method: presented.method },
      grant: granted,
    };
  }
  // Failures are counted by api.authenticate_client and committed with the statement; the errors are thrown
  // after it, so a rejected attempt still counts.
  const { outcome, grant: granted } = await authenticateClientAnd(
    c.var.deps.sql,
    presented.clientId,
    secretHash,
    buckets,
    calls,
    tokenRequest !== undefined && tokenRequest.proof === null,
  );
  if (!("client" in outcome)) cache?.noteFailures(bucketNames);
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
  if (!accepts.includes(outcome.client.kind)) {
    await recordRefusedClient(c.var.deps.sql, outcome.client.project_id, {
      clientId: presented.clientId,
      kind: outcome.client.kind,
      method: c.req.method,
      path: c.req.path,
    });
    refuseKind(c, presented.clientId, outcome.client.kind, accepts);
  }
  const client: AuthenticatedClient = {
    projectId: outcome.client.project_id,
    clientId: presented.clientId,
    kind: outcome.client.kind,
    method: presented.method,
    ...(outcome.client.dpop_required ? { dpopRequired: true } : {}),
  };
  // Refused without a proof, the grant did not run (nothing to keep); the credentials are still verified.
  const keep = cacheKey !== undefined && granted !== null && granted !== undefined;
  cache?.put(
    ticket,
    presented.clientId,
    secretHash,
    { projectId: client.projectId, kind: client.kind, dpopRequired: client.dpopRequired },
    keep ? cacheKey : undefined,
    granted,
  );
  assertProofIfRequired(client, tokenRequest);
  return { client, grant: granted };
}

const KIND_NAMES: Record<ClientKind, string> = {
  project: "the project's own client",
  machine: "a machine client",
  dynamic: "a self-registered client",
};

/** 403 unauthorized_client: the credentials are right, the kind of client is not one this route serves. */
export function refuseKind(
  c: Ctx,
  clientId: string,
  kind: ClientKind,
  accepts: readonly ClientKind[],
): never {
  throw new AppError("unauthorized_client", {
    status: WRONG_CLIENT_KIND,
    description: `${c.req.method} ${c.req.path} accepts ${accepts.map((k) => KIND_NAMES[k]).join(" or ")}; ` +
      `${clientId.slice(0, 40)} is ${KIND_NAMES[kind]}.`,
  });
}

/**
 * The lockout buckets a client authentication checks and counts failures in (every kind of client): the
 * (client, address) pair and the address lock themselves; the client's ceiling spares clean addresses.
 */
export function failureBuckets(c: Ctx, clientId: string): FailureBucket[] {
  const key = {
    scope: "client_auth",
    ceiling: "client",
    key: clientId.slice(0, 100),
    address: clientAddress(c),
  };
  const { perPair, perAddress, perClient, windowSeconds } = CLIENT_FAILURES;
  return lockoutBuckets(key, { perPair, perAddress, perKey: perClient, windowSeconds });
}
