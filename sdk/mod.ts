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
import { express, hono, planRule, scopeRule, withAuthorization } from "./middleware.ts";

export type { AstapaClaims, CustomClaims, LoginRequest, Tokens } from "./client.ts";
export { AstapaAuthError, AstapaError } from "./errors.ts";
export { authorize, planRule, scopeRule } from "./middleware.ts";

/** The client plus ready-made middleware: `requirePlan.hono("pro")`, `requireScope.express("jobs:run")`, … */
export function createAstapa(options: AstapaOptions) {
  const astapa: Astapa = createClient(options);
  type Handler = Parameters<typeof withAuthorization>[2];
  return {
    ...astapa,
    requirePlan: {
      hono: (...plans: string[]) => hono(astapa, planRule(plans)),
      express: (...plans: string[]) => express(astapa, planRule(plans)),
      handler: (plans: string[], fn: Handler) => withAuthorization(astapa, planRule(plans), fn),
    },
    requireScope: {
      hono: (...scopes: string[]) => hono(astapa, scopeRule(scopes)),
      express: (...scopes: string[]) => express(astapa, scopeRule(scopes)),
      handler: (scopes: string[], fn: Handler) => withAuthorization(astapa, scopeRule(scopes), fn),
    },
  };
}
