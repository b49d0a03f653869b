/**
 * Sign-ins the app did not start (OIDC Core §4 third-party initiated login; docs/hosted-login.md "Sign-ins the app
 * did not start"). A mailed link (an admin's password reset, a waitlist approval) opens /auth/start, which leaves
 * this short-lived cookie naming the pending action — the project and the link's token — and sends the browser to
 * the app's initiate_login_uri. The app then starts an ordinary authorization request (its own state and PKCE),
 * and the sign-in page, finding the cookie for that project and the request's login_hint, shows the action first.
 * A SAML Response the IdP sent unasked (lib/login/sso/saml_idp_initiated.ts) leaves the same cookie for its pending
 * SSO sign-in.
 */
import { getCookie, setCookie } from "hono/cookie";
import type { Ctx } from "@/lib/app_env.ts";
import { pendingLogin } from "@/db/pending_logins.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { cookieName } from "./browser.ts";
import { type AuthorizeRequest, requestQuery } from "./authorize_request.ts";

/** Long enough for the app's round trip and a slow page load; the token's own expiry still applies. */
export const PENDING_LOGIN_SECONDS = 600;

const VALUE = /^(proj_[a-z2-7]{16})\.([A-Za-z0-9_-]{43})$/;

/** A new /auth/start link for the project: the token goes in the mail, its SHA-256 to Postgres. */
export async function startLink(baseUrl: string, projectId: string) {
  const token = randomSecret();
  // The token in the query, never the path: the access log writes paths (lib/http/middleware.ts).
  const link = `${baseUrl}/auth/start?${new URLSearchParams({ p: projectId, t: token })}`;
  return { link, tokenHash: await sha256(token) };
}

const name = (c: Ctx) => cookieName(c, "astapa_pending_login");

/** Leaves (or with null clears) the pending action's cookie: HttpOnly, SameSite=Lax, Secure over https. */
export function writePendingLogin(c: Ctx, pending: { projectId: string; token: string } | null): void {
  setCookie(c, name(c), pending ? `${pending.projectId}.${pending.token}` : "", {
    path: "/",
    httpOnly: true,
    secure: c.var.deps.config.baseUrl.startsWith("https://"),
    sameSite: "Lax",
    maxAge: pending ? PENDING_LOGIN_SECONDS : 0,
  });
}

/** The pending action's project and token, as the cookie holds them (unchecked), or null. */
export function readPendingLogin(c: Ctx): { projectId: string; token: string } | null {
  const match = VALUE.exec(getCookie(c, name(c)) ?? "");
  return match ? { projectId: match[1], token: match[2] } : null;
}

/** The reset token a pending action holds for this project, for the reset page to use instead of a query's. */
export function pendingResetToken(c: Ctx, projectId: string): string | undefined {
  const pending = readPendingLogin(c);
  return pending?.projectId === projectId ? pending.token : undefined;
}

/**
 * The IdP-initiated SSO sign-in this browser's cookie holds for the request — its project, its login_hint, not
 * prompt=none — with the cookie's token; null when there is none (unknown, used, expired, another kind).
 */
export async function pendingSsoSignIn(c: Ctx, request: AuthorizeRequest) {
  const cookie = readPendingLogin(c);
  if (!cookie || cookie.projectId !== request.project.id || request.prompt === "none") return null;
  const pending = await pendingLogin(c.var.deps.sql, cookie.projectId, cookie.token);
  if (pending?.kind !== "sso_sign_in") return null;
  const hint = request.loginHint?.trim().toLowerCase();
  return hint === pending.email.trim().toLowerCase() ? { token: cookie.token, email: pending.email } : null;
}

/**
 * Where the sign-in page sends an authorization request that a pending action of its project and address is
 * waiting for: the reset form, the sign-up form filled in, or an IdP-initiated SSO sign-in's confirmation; null to
 * sign in as usual. A cookie of another project, or one whose link is used or expired, is cleared; one for another
 * address (login_hint) is left alone.
 */
export async function pendingLoginPage(c: Ctx, request: AuthorizeRequest, query: URLSearchParams) {
  const cookie = readPendingLogin(c);
  // prompt=none shows nothing, so it cannot show this either.
  if (!cookie || request.prompt === "none") return null;
  const pending = cookie.projectId === request.project.id
    ? await pendingLogin(c.var.deps.sql, cookie.projectId, cookie.token)
    : null;
  if (!pending) {
    writePendingLogin(c, null);
    return null;
  }
  const hint = request.loginHint?.trim().toLowerCase();
  if (hint !== pending.email.trim().toLowerCase()) return null;
  if (pending.kind === "reset_password") return c.redirect(`/auth/reset?${requestQuery(query)}`, 303);
  // An IdP-initiated SAML sign-in: the person confirms the account first (login CSRF; routes/auth/sso/portal.tsx).
  if (pending.kind === "sso_sign_in") return c.redirect(`/auth/sso/portal?${requestQuery(query)}`, 303);
  // The sign-up form needs nothing more from the cookie: the address is the request's login_hint.
  writePendingLogin(c, null);
  return c.redirect(`/auth/signup?${requestQuery(query)}`, 303);
}
