/**
 * Gatekeeping by plan or scope, for Hono, Express, Fastify and `Request` handlers (Next.js route handlers and
 * middleware, Cloudflare Workers, Bun, Deno). Each reads the Bearer token (or a DPoP-bound one with its proof,
 * RFC 9449: dpop.ts), verifies it with the client's JWKS, and answers 401 (no or bad token) or 403 (wrong plan
 * or scope) as JSON.
 */
import type { Astapa, AstapaClaims } from "./client.ts";
import { AstapaAuthError, AstapaError } from "./errors.ts";
import { checkSenderConstraint, DPOP_ALGORITHMS, DpopAuthError, type DpopRequest } from "./dpop.ts";

/** A rule says why claims are refused: a message (403 forbidden), a step-up refusal (401), or null to let through. */
export type Rule = (claims: AstapaClaims) => string | StepUp | null;

/** RFC 9470: the token is valid but the sign-in was not strong enough; the app should sign the person in again. */
export type StepUp = { stepUp: true; message: string };

/** The acr_values that asks Astapa's hosted login for a second factor (docs/mfa.md). */
export const ACR_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/** Lets through tokens whose sign-in used a second factor (`amr` has `mfa`). */
export const mfaRule: Rule = (claims) =>
  Array.isArray(claims.amr) && claims.amr.includes("mfa") ? null : {
    stepUp: true,
    message: `This needs a sign-in with a second factor: sign in again with acr_values=${ACR_MFA}.`,
  };

export const planRule = (plans: string[]): Rule => (claims) =>
  plans.includes(claims.custom_claims?.plan ?? "")
    ? null
    : `This needs one of these plans: ${plans.join(", ")}.`;

export const scopeRule = (scopes: string[]): Rule => (claims) => {
  const granted = new Set((claims.scope ?? "").split(" "));
  return scopes.every((scope) => granted.has(scope)) ? null : `This needs the scope: ${scopes.join(" ")}.`;
};

const NO_ORGANIZATION = "This needs an active organization: sign in again with organization=<id or slug>.";

/** Lets through tokens whose active organization role is one of `roles` (`org_role`). */
export const orgRoleRule = (roles: string[]): Rule => (claims) => {
  if (!claims.org_id) return NO_ORGANIZATION;
  return roles.includes(claims.org_role ?? "")
    ? null
    : `This needs one of these roles in the organization: ${roles.join(", ")}.`;
};

/** Lets through tokens whose active organization role carries every one of `permissions` (`org_permissions`). */
export const orgPermissionRule = (permissions: string[]): Rule => (claims) => {
  if (!claims.org_id) return NO_ORGANIZATION;
  const held = new Set(claims.org_permissions ?? []);
  return permissions.every((p) => held.has(p))
    ? null
    : `This needs these permissions in the organization: ${permissions.join(" ")}.`;
};

/**
 * Verifies the request's access token and applies the rule; throws AstapaAuthError with 401 or 403. `request`
 * (method, URL as the client called it, DPoP header) lets a DPoP-bound token through with its proof; without
 * it only Bearer tokens pass.
 */
export async function authorize(
  astapa: Astapa,
  authorization: string | null | undefined,
  rule: Rule,
  request?: DpopRequest,
) {
  const match = /^(Bearer|DPoP) (\S+)$/i.exec(authorization ?? "");
  if (!match) {
    throw new AstapaAuthError("unauthorized", "Sign in first: send Authorization: Bearer <token>.", 401);
  }
  const claims = await astapa.verify(match[2]);
  await checkSenderConstraint(claims, match[1], match[2], request, astapa.dpopReplayStore);
  const problem = rule(claims);
  if (typeof problem === "string") throw new AstapaAuthError("forbidden", problem, 403);
  if (problem) throw new AstapaAuthError("insufficient_user_authentication", problem.message, 401);
  return claims;
}

/** The JSON answer (401 with a Bearer challenge, or 403) for an AstapaError; anything else is rethrown. */
export function errorResponse(error: unknown): Response {
  if (!(error instanceof AstapaError)) throw error;
  const status = error.status || 401;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (status === 401) {
    headers["www-authenticate"] = error instanceof DpopAuthError
      ? `DPoP error="${error.code}", algs="${DPOP_ALGORITHMS.join(" ")}"`
      : error.code === "insufficient_user_authentication"
      ? `Bearer error="insufficient_user_authentication", acr_values="${ACR_MFA}"`
      : 'Bearer error="invalid_token"';
  }
  return new Response(JSON.stringify({ error: error.code, error_description: error.message }), {
    status,
    headers,
  });
}

/** Hono: `app.get("/pro", hono(astapa, planRule(["pro"])), handler)`; claims in `c.get("astapa")`. */
export function hono(astapa: Astapa, rule: Rule) {
  // deno-lint-ignore no-explicit-any
  return async (c: any, next: () => Promise<void>) => {
    try {
      const request = { method: c.req.method, url: c.req.url, dpop: c.req.header("dpop") };
      c.set("astapa", await authorize(astapa, c.req.header("authorization"), rule, request));
    } catch (error) {
      return errorResponse(error);
    }
    await next();
  };
}

/** Express: `app.get("/pro", express(astapa, planRule(["pro"])), handler)`; claims in `req.astapa`. */
export function express(astapa: Astapa, rule: Rule) {
  // deno-lint-ignore no-explicit-any
  return (req: any, res: any, next: (error?: unknown) => void) => {
    // The URL the client called: behind a proxy, set Express's "trust proxy" so req.protocol is the client's.
    const url = `${req.protocol}://${req.headers?.host}${req.originalUrl ?? req.url}`;
    const request = { method: req.method, url, dpop: req.headers?.dpop };
    authorize(astapa, req.headers?.authorization, rule, request).then(
      (claims) => {
        req.astapa = claims;
        next();
      },
      async (error) => {
        if (!(error instanceof AstapaError)) return next(error);
        const response = errorResponse(error);
        res.status(response.status).set(Object.fromEntries(response.headers)).send(await response.text());
      },
    );
  };
}

/** Fastify: `app.get("/pro", { preHandler: fastify(astapa, planRule(["pro"])) }, handler)`; `request.astapa`. */
export function fastify(astapa: Astapa, rule: Rule) {
  // deno-lint-ignore no-explicit-any
  return async (request: any, reply: any) => {
    try {
      const url = `${request.protocol}://${request.headers?.host}${request.url}`;
      const dpop = { method: request.method, url, dpop: request.headers?.dpop };
      request.astapa = await authorize(astapa, request.headers?.authorization, rule, dpop);
    } catch (error) {
      const response = errorResponse(error);
      return reply.code(response.status).headers(Object.fromEntries(response.headers)).send(
        await response.text(),
      );
    }
  };
}

/**
 * `Request` handlers: `withAuthorization(astapa, planRule(["pro"]), (req, claims) => new Response("hi"))`.
 * Arguments after the request (a Next.js route's `{ params }`, a Worker's `env`) are passed on after the claims.
 */
export function withAuthorization<R extends Request, A extends unknown[], T extends Response>(
  astapa: Astapa,
  rule: Rule,
  handler: (request: R, claims: AstapaClaims, ...rest: A) => T | Promise<T>,
): (request: R, ...rest: A) => Promise<T | Response> {
  return async (request, ...rest) => {
    let claims: AstapaClaims;
    try {
      claims = await authorize(astapa, request.headers.get("authorization"), rule, requestOf(request));
    } catch (error) {
      return errorResponse(error);
    }
    return await handler(request, claims, ...rest);
  };
}

/** What a DPoP proof must name, read from a `Request`. */
export function requestOf(request: Request): DpopRequest {
  return { method: request.method, url: request.url, dpop: request.headers.get("dpop") };
}
