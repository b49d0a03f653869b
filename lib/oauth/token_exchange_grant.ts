/**
 * Token exchange (RFC 8693) at the token endpoint: a client holding a person's access token for one resource
 * gets one for another resource of the same project, on that person's behalf, with an `act` claim naming
 * itself (nested when the subject token already had one). The project's policy says which client may exchange
 * to which resource; scope is only narrowed; no refresh token. Every exchange and every refusal is audited.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { exchangeTokenAs, exchangeTokenCall } from "@/db/token_exchange.ts";
import { userGrant } from "@/db/tokens.ts";
import { AppError } from "../http/errors.ts";
import { countTokenIssued } from "../metrics/metrics.ts";
import { userAccessToken } from "../tokens/access_tokens.ts";
import {
  type AccessTokenClaims,
  impersonationOf,
  isUserToken,
  verifyAccessToken,
} from "../tokens/verify_access_token.ts";
import {
  authenticateClient,
  authenticateClientAndGrant,
  type AuthenticatedClient,
} from "./authenticate_client.ts";
import { presentedClient } from "./client_auth.ts";
import { isSelfRegisteredClientId } from "./dynamic_client_auth.ts";
import type { OAuthParams } from "./params.ts";
import { parseParams, TokenExchangeRequest } from "./schemas.ts";
import { parseResource, parseScope } from "./scope.ts";
import type { DpopProof } from "./dpop.ts";
import { issueContext, withProof } from "./grants.ts";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

const Refused = z.object({
  error: z.enum(["invalid_request", "invalid_target", "invalid_scope"]),
  error_description: z.string(),
});

/** The exchanged token's answer (RFC 8693 §2.2.1). */
export type ExchangeResponse = {
  access_token: string;
  issued_token_type: typeof ACCESS_TOKEN_TYPE;
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  scope?: string;
};

/** Reads and checks the request apart from the client, so a bad client is told so first. */
async function readRequest(c: Ctx, params: OAuthParams) {
  const request = parseParams(TokenExchangeRequest, params);
  if (request.subject_token_type !== ACCESS_TOKEN_TYPE) {
    throw new AppError("invalid_request", {
      description: `subject_token_type must be ${ACCESS_TOKEN_TYPE}.`,
    });
  }
  if (request.requested_token_type !== undefined && request.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw new AppError("invalid_request", { description: `Only ${ACCESS_TOKEN_TYPE} is issued.` });
  }
  if (request.actor_token !== undefined) {
    throw new AppError("invalid_request", {
      description: "actor_token is not used: the authenticated client is the actor.",
    });
  }
  const resource = parseResource(request.resource ?? request.audience);
  const { keys, config } = c.var.deps;
  const subject = await verifyAccessToken(keys, config.baseUrl, request.subject_token);
  if (!subject || !isUserToken(subject)) {
    throw new AppError("invalid_request", {
      description: "subject_token must be a valid, unexpired access token of a person, issued here.",
    });
  }
  return { subject, resource, scope: parseScope(request.scope) };
}

type Read = Awaited<ReturnType<typeof readRequest>>;

function callFor(sql: Parameters<typeof exchangeTokenCall>[0], read: Read, actor: string) {
  const aud = Array.isArray(read.subject.aud) ? read.subject.aud[0] : read.subject.aud;
  return exchangeTokenCall(sql, {
    subjectProject: read.subject.project_id,
    subjectSub: read.subject.sub,
    subjectClient: read.subject.client_id,
    subjectScope: read.subject.scope ?? null,
    subjectResource: aud ?? null,
    actorClient: actor,
    resource: read.resource,
    scope: read.scope,
    subjectOrganization: typeof read.subject.org_id === "string" ? read.subject.org_id : null,
    subjectImpersonation: impersonationOf(read.subject),
  });
}

/** The grant; a function declaration, so grants.ts may list it whichever module loads first. */
export async function tokenExchangeGrant(
  c: Ctx,
  params: OAuthParams,
  proof: DpopProof | null,
): Promise<ExchangeResponse> {
  let read: Read | null = null;
  let problem: unknown = null;
  try {
    read = await readRequest(c, params);
  } catch (error) {
    problem = error;
  }
  const { sql } = c.var.deps;
  let client: AuthenticatedClient;
  let result: unknown;
  if (isSelfRegisteredClientId(presentedClient(c.req.header("authorization"), params).clientId)) {
    client = await authenticateClient(c, params, { tokenRequest: { proof } });
    if (!read) throw problem;
    result = await exchangeTokenAs(
      sql,
      client.projectId,
      withProof(sql, proof, callFor(sql, read, client.clientId)),
    );
  } else {
    // The call runs in the client's own project, which SQL compares with the subject token's.
    ({ client, grant: result } = await authenticateClientAndGrant(c, params, (sql, clientId) => {
      const call = read ? withProof(sql, proof, callFor(sql, read, clientId)) : null;
      return { project: call, machine: call };
    }, { tokenRequest: { proof } }));
    if (!read) throw problem;
  }
  const refused = Refused.safeParse(result);
  if (refused.success) {
    throw new AppError(refused.data.error, { description: refused.data.error_description });
  }
  // How and when the person signed in does not change by exchanging their token: amr, acr and auth_time carry over.
  const { amr, auth_time } = read.subject as AccessTokenClaims & { amr?: string[]; auth_time?: number };
  const priorActor = (read.subject as AccessTokenClaims & { act?: unknown }).act;
  const exchanged = userGrant(result);
  // A token someone acts with (an impersonation's, docs/impersonation.md, or an earlier exchange's) passes on no
  // more time than it has left: what an impersonation issued ends with it, however often it is exchanged.
  const expires = read.subject.exp;
  const left = priorActor && expires !== undefined
    ? Math.max(1, expires - Math.floor(Date.now() / 1000))
    : exchanged.access_ttl;
  const grant = {
    ...exchanged,
    access_ttl: Math.min(exchanged.access_ttl, left),
    ...(amr ? { amr } : {}),
    ...(auth_time ? { auth_time } : {}),
  };
  const act = { sub: client.clientId, ...(priorActor ? { act: priorActor } : {}) };
  // The new token is bound to the exchanging client's own DPoP key, when it proves one.
  const token = await userAccessToken(grant, await issueContext(c, client, proof), { act });
  countTokenIssued("token_exchange", grant.environment ?? "live");
  return {
    access_token: token,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: proof ? "DPoP" : "Bearer",
    expires_in: grant.access_ttl,
    ...(grant.scope ? { scope: grant.scope } : {}),
  };
}
