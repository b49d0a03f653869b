/**
 * A guest's sign-up on the hosted login (docs/anonymous-users.md): the app sends the normal authorization request
 * with `prompt=create` and `id_token_hint` = the guest's ID token. The hint names the guest only while it is an ID
 * token Astapa signed (RS256, typ JWT, this issuer), for this very client, unexpired, and issued to a guest
 * (is_anonymous: true) themselves, not to someone acting for them (no act); Postgres then checks the user is still
 * a guest of the project when the sign-up saves (astapa.convert_guest, its row locked). Anything else is refused
 * back to the app as invalid_request: a hint that cannot be trusted never silently makes a new account instead.
 * Every step that can make an account reads it (the sign-up page, the emailed-code, phone and passkey sign-up
 * pages, the social and SSO callbacks) and hands the guest to Postgres (db/client.ts signUpContext); the later
 * steps of the same request (verification, second factor) act for the user the sign-up saved, so a hint that has
 * expired meanwhile does not stop them.
 */
import { createLocalJWKSet, jwtVerify } from "jose";
import type { Ctx, Deps } from "@/lib/app_env.ts";
import { type AuthorizeRequest, redirectTo } from "./authorize_request.ts";

/** The guest's sub the hint names for `clientId`, or null when it names none. */
export async function guestOfHint(
  deps: Pick<Deps, "keys" | "config">,
  clientId: string,
  token: string,
): Promise<string | null> {
  if (token.length > 8192) return null;
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await deps.keys.jwks()), {
      issuer: deps.config.baseUrl,
      audience: clientId,
      algorithms: ["RS256"],
      typ: "JWT",
      requiredClaims: ["exp", "sub"],
    });
    // A token someone else holds for the guest (an impersonation's, a token exchange's: act) names no guest: the
    // address and password typed would outlive the impersonation, a way in it must not add.
    return payload.is_anonymous === true && payload.act === undefined && typeof payload.sub === "string" &&
        /^\d{1,19}$/.test(payload.sub)
      ? payload.sub
      : null;
  } catch {
    return null;
  }
}

/**
 * The request with the guest its hint names (`guestSub`), the request unchanged when it has no hint or does not
 * ask for a sign-up (prompt=create), or the redirect that tells the app its hint names no guest.
 */
export async function withGuest(c: Ctx, request: AuthorizeRequest): Promise<AuthorizeRequest | Response> {
  // Only a sign-up the app asked for names a guest: any other request's hint (an app re-authenticating its
  // signed-in user, as OpenID Connect allows) is not a guest's, and the sign-in goes on as before guests existed.
  if (request.idTokenHint === undefined || !asksToCreate(request)) return request;
  const guestSub = await guestOfHint(c.var.deps, request.clientId, request.idTokenHint);
  if (guestSub) return { ...request, guestSub };
  return c.redirect(
    redirectTo(request, c.var.deps.config.baseUrl, {
      error: "invalid_request",
      error_description:
        "id_token_hint is not a current ID token of this app's guest: refresh the guest's tokens for a fresh one.",
    }),
    303,
  );
}

const asksToCreate = (request: AuthorizeRequest) => (request.prompt ?? "").split(" ").includes("create");

/** The request's query without the guest (id_token_hint, prompt=create): "sign in instead" to another account. */
export function withoutGuest(request: string): string {
  const query = new URLSearchParams(request);
  query.delete("id_token_hint");
  if (query.get("prompt") === "create") query.delete("prompt");
  return query.toString();
}
