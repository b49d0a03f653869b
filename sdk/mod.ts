/**
 * @module
 * Astapa's SDK for app backends: `createAstapa({ baseUrl, clientId, clientSecret })`, then sign users in,
 * verify their tokens and gate features by `custom_claims.plan`.
 *
 * ```ts
 * const astapa = createAstapa({ baseUrl: "https://auth.example.com", clientId, clientSecret });
 * app.get("/reports", astapa.requirePlan.hono("pro", "team"), (c) => c.json(c.get("astapa").custom_claims));
 * ```
 */
import { type Astapa, type AstapaOptions, createAstapa as createClient } from "./client.ts";
import { express, fastify, hono, planRule, scopeRule, withAuthorization } from "./middleware.ts";
import type { AstapaClaims } from "./client.ts";

export type { AstapaClaims, CustomClaims, LoginRequest, Tokens } from "./client.ts";
export type { Receipt, Refund, TaxSettings } from "./billing_receipts.ts";
export { AstapaAuthError, AstapaError } from "./errors.ts";
export { authorize, planRule, scopeRule } from "./middleware.ts";

type Handler<R extends Request, A extends unknown[], T extends Response> = (
  request: R,
  claims: AstapaClaims,
  ...rest: A
) => T | Promise<T>;

/**
 * The client plus ready-made gates: `requirePlan.hono("pro")`, `requireScope.express("jobs:run")`,
 * `requirePlan.fastify("pro")` (a preHandler), `requirePlan.handler(["pro"], fn)` for `Request` handlers, and
 * `requirePlan.next(["pro"], fn)` — the same, for Next.js route handlers and middleware.
 */
export function createAstapa(options: AstapaOptions) {
  const astapa: Astapa = createClient(options);
  const gates = (rule: (names: string[]) => Parameters<typeof hono>[1]) => {
    const handler = <R extends Request, A extends unknown[], T extends Response>(
      names: string[],
      fn: Handler<R, A, T>,
    ) => withAuthorization(astapa, rule(names), fn);
    return {
      hono: (...names: string[]) => hono(astapa, rule(names)),
      express: (...names: string[]) => express(astapa, rule(names)),
      fastify: (...names: string[]) => fastify(astapa, rule(names)),
      handler,
      next: handler,
    };
  };
  return { ...astapa, requirePlan: gates(planRule), requireScope: gates(scopeRule) };
}
