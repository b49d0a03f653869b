/**
 * private_key_jwt client authentication (RFC 7523 §2.2, §3): the client signs a short-lived JWT with a key
 * whose public half it registered (a self-registered client's `jwks`) or its project set (a machine client's
 * keys). Checked: signature with a pinned algorithm, iss = sub = client_id, aud naming this authorization
 * server, exp at most ten minutes ahead, and a jti never seen before — recorded in Postgres, so a replay is
 * refused by every instance. Every refusal is invalid_client and audited in the project concerned.
 */
import { createLocalJWKSet, errors, jwtVerify } from "jose";
import type { Ctx } from "../app_env.ts";
import type { Sql } from "@/db/client.ts";
import {
  consumeClientAssertion,
  grantAs,
  type Jwks,
  machineClientKeys,
  recordAssertionRefused,
} from "@/db/client_assertions.ts";
import { type GrantCalls, recordRefusedClient } from "@/db/client_authentication.ts";
import { AppError } from "../http/errors.ts";
import type { ClientKind } from "../router/callers.ts";
import { type AuthenticatedClient, refuseKind } from "./authenticate_client.ts";
import type { PresentedClient } from "./client_auth.ts";
import { ASSERTION_ALGORITHMS } from "./client_keys.ts";
import { assertProofIfRequired, type TokenRequestProof } from "./dpop_clients.ts";

/** The longest an assertion may live (exp − now), which bounds how long its jti is kept. */
export const MAX_ASSERTION_SECONDS = 600;
const CLOCK_SKEW_SECONDS = 30;

/** The aud values accepted: the issuer, the token endpoint, or the endpoint called (RFC 7523 §3 item 3). */
function audiences(c: Ctx): string[] {
  const issuer = c.var.deps.config.baseUrl;
  return [...new Set([issuer, `${issuer}/api/platform/token`, `${issuer}${c.req.path}`])];
}

/** Why jose refused an assertion, in words a client developer can act on. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "client_assertion has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `client_assertion's ${error.claim} claim is missing or wrong`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return "no registered key matches client_assertion's kid and alg";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return `client_assertion must be signed with ${ASSERTION_ALGORITHMS.join(", ")}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "client_assertion's signature does not verify";
  }
  return "client_assertion is not a valid signed JWT";
}

/**
 * Checks a presented assertion against the client's public keys and consumes its jti. `auditIn`: the project
 * a refusal is audited in (null when none is known). Throws invalid_client on any failure.
 */
export async function checkClientAssertion(
  c: Ctx,
  presented: PresentedClient,
  jwks: Jwks,
  auditIn: string | null,
): Promise<void> {
  const { sql } = c.var.deps;
  const refuse = async (reason: string): Promise<never> => {
    if (auditIn) {
      await recordAssertionRefused(sql, auditIn, { clientId: presented.clientId, reason, path: c.req.path });
    }
    throw new AppError("invalid_client", { description: `${reason}.` });
  };
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(presented.assertion ?? "", createLocalJWKSet(jwks as never), {
      algorithms: [...ASSERTION_ALGORITHMS],
      issuer: presented.clientId,
      subject: presented.clientId,
      audience: audiences(c),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", "jti"],
    }));
  } catch (error) {
    return await refuse(reasonOf(error));
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.exp! > now + MAX_ASSERTION_SECONDS) {
    return await refuse(`client_assertion must expire within ${MAX_ASSERTION_SECONDS} seconds`);
  }
  if (typeof claims.jti !== "string" || claims.jti.length === 0 || claims.jti.length > 200) {
    return await refuse("client_assertion's jti must be 1 to 200 characters");
  }
  const fresh = await consumeClientAssertion(
    sql,
    presented.clientId,
    claims.jti,
    new Date(claims.exp! * 1000),
  );
  if (!fresh) return await refuse("client_assertion was already used (its jti was seen before)");
}

/**
 * A machine client authenticating with an assertion, then the grant its kind names (run in its project after
 * the assertion's jti is consumed: a refused assertion never reaches the grant).
 */
export async function assertedMachineClientAndGrant(
  c: Ctx,
  presented: PresentedClient,
  accepts: readonly ClientKind[],
  grant: (sql: Sql, clientId: string) => GrantCalls,
  tokenRequest?: TokenRequestProof,
): Promise<{ client: AuthenticatedClient; grant: unknown }> {
  const { sql } = c.var.deps;
  const keys = await machineClientKeys(sql, presented.clientId);
  if (!keys) {
    throw new AppError("invalid_client", {
      description: "No client with registered public keys has this client_id (private_key_jwt).",
    });
  }
  await checkClientAssertion(c, presented, keys.jwks, keys.project_id);
  if (!keys.enabled) throw new AppError("invalid_client", { description: "This client is disabled." });
  if (!accepts.includes("machine")) {
    await recordRefusedClient(sql, keys.project_id, {
      clientId: presented.clientId,
      kind: "machine",
      method: c.req.method,
      path: c.req.path,
    });
    refuseKind(c, presented.clientId, "machine", accepts);
  }
  const client: AuthenticatedClient = {
    projectId: keys.project_id,
    clientId: presented.clientId,
    kind: "machine",
    method: "private_key_jwt",
    ...(keys.dpop_required ? { dpopRequired: true } : {}),
  };
  assertProofIfRequired(client, tokenRequest); // before the grant's statement: it may write
  const call = grant(sql, presented.clientId).machine;
  if (call === null) return { client, grant: null };
  return { client, grant: await grantAs(sql, keys.project_id, call) };
}
