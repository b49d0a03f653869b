/**
 * Next.js App Router gates: route handlers (`app/…/route.ts`) and middleware (`proxy.ts` in Next.js 16,
 * `middleware.ts` before it). Nothing here imports `next`: a route handler is a `Request` handler, and
 * middleware that returns nothing lets the request through, so the SDK works with any Next.js version.
 * Each gate takes a rule (plan, scope — and any rule added later) so every check gets both forms at once.
 */
import type { Astapa, AstapaClaims } from "./client.ts";
import { authorize, errorResponse, requestOf, type Rule, withAuthorization } from "./middleware.ts";

/**
 * A route handler behind a rule: `export const GET = nextRoute(astapa, planRule(["pro"]), (req, claims, ctx) =>
 * Response.json(…))`. The route's context (`{ params }`) is passed on after the claims.
 */
export const nextRoute = withAuthorization;

/**
 * Middleware behind a rule: 401/403 as JSON when refused; when allowed, `then(request, claims)` answers (for
 * example `NextResponse.next({ request: { headers } })` to hand claims to the route), or, without `then`, the
 * middleware returns nothing and Next.js carries on to the route.
 *
 *   export const proxy = nextMiddleware(astapa, planRule(["pro"]));
 *   export const config = { matcher: "/reports/:path*" };
 */
export function nextMiddleware<R extends Request, T extends Response | undefined>(
  astapa: Astapa,
  rule: Rule,
  then?: (request: R, claims: AstapaClaims) => T | Promise<T>,
): (request: R) => Promise<Response | T | undefined> {
  return async (request) => {
    let claims: AstapaClaims;
    try {
      claims = await authorize(astapa, request.headers.get("authorization"), rule, requestOf(request));
    } catch (error) {
      return errorResponse(error);
    }
    return then ? await then(request, claims) : undefined;
  };
}
