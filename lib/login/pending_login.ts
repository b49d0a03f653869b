/**
 * Sign-ins the app did not start (OIDC Core §4 third-party initiated login; docs/hosted-login.md "Sign-ins the app
 * did not start"). A mailed link (an admin's password reset, a waitlist approval) opens /auth/start, which leaves
 * this short-lived cookie naming the pending action and sends the browser to the app's initiate_login_uri. The app
 * then starts an ordinary authorization request (its own state and PKCE), and the sign-in page, finding the
 * cookie of that request's project and the request's login_hint, shows the action first. A SAML Response the IdP
 * sent unasked (lib/login/sso/saml_idp_initiated.ts) leaves the same cookie for its pending SSO sign-in.
 *
 * One cookie a project (its id in the name), so one project's sign-in page never reads or clears another's. The
 * cookie holds the link's token sealed (AES-GCM under the master key, the project in the additional data) with its
 * own 10-minute end: a copied cookie tells nobody the token, so it cannot be replayed as the mailed link (good
 * for a reset's hour or an approval's week) nor outlive its 10 minutes; a database leak (token hashes) makes no
 * cookie. Not a server-side pointer row: /auth/start is a GET that mail scanners open, which should write nothing,
 * and whoever holds the cookie could use a pointer as well as the sealed token.
 */
import { getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { pendingLogin } from "@/db/pending_logins.ts";
import { base64url, randomSecret, sha256 } from "@/lib/secrets.ts";
import { openFromBrowser, seal } from "@/lib/tokens/master_key.ts";
import { cookieName } from "./browser.ts";
import { type AuthorizeRequest, requestQuery } from "./authorize_request.ts";

/** Long enough for the app's round trip and a slow page load; the token's own expiry still applies. */
export const PENDING_LOGIN_SECONDS = 600;

const Sealed = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/), expiresAt: z.number() });

/** A new /auth/start link for the project: the token goes in the mail, its SHA-256 to Postgres. */
export async function startLink(baseUrl: string, projectId: string) {
  const token = randomSecret();
  // The token in the query, never the path: the access log writes paths (lib/http/middleware.ts).
  const link = `${baseUrl}/auth/start?${new URLSearchParams({ p: projectId, t: token })}`;
  return { link, tokenHash: await sha256(token) };
}

/** The cookie of the project's pending action (__Host- prefixed over https). */
const name = (c: Ctx, projectId: string) => cookieName(c, `astapa_pending_login_${projectId}`);

/** The sealed value's additional data: a cookie moved under another project's name does not open. */
const context = (projectId: string) => `astapa pending login ${projectId}`;

/** The cookie's value for the project's pending action: its token sealed, ending PENDING_LOGIN_SECONDS from now. */
export async function sealPendingLogin(
  key: CryptoKey,
  projectId: string,
  token: string,
  expiresAt = Date.now() + PENDING_LOGIN_SECONDS * 1000,
): Promise<string> {
  const body = JSON.stringify({ token, expiresAt });
  return base64url.encode(await seal(key, new TextEncoder().encode(body), context(projectId)));
}

/** Leaves (or with null clears) the project's pending action cookie: HttpOnly, SameSite=Lax, Secure over https. */
export async function writePendingLogin(c: Ctx, projectId: string, token: string | null): Promise<void> {
  const value = token ? await sealPendingLogin(c.var.deps.masterKeys.social, projectId, token) : "";
  setCookie(c, name(c, projectId), value, {
    path: "/",
    httpOnly: true,
    secure: c.var.deps.config.baseUrl.startsWith("https://"),
    sameSite: "Lax",
    maxAge: token ? PENDING_LOGIN_SECONDS : 0,
  });
}

/** The token of the project's pending action this browser holds (unchecked against Postgres), or null. */
export async function readPendingLogin(c: Ctx, projectId: string): Promise<string | null> {
  const raw = getCookie(c, name(c, projectId));
  if (!raw) return null;
  try {
    const plain = await openFromBrowser(
      c.var.deps.masterKeys.social,
      base64url.decode(raw),
      context(projectId),
    );
    const sealed = Sealed.parse(JSON.parse(new TextDecoder().decode(plain)));
    return sealed.expiresAt > Date.now() ? sealed.token : null;
  } catch {
    // Tampered with, sealed under another master key, or not ours: no pending action.
    return null;
  }
}

/** The reset token a pending action holds for this project, for the reset page to use instead of a query's. */
export async function pendingResetToken(c: Ctx, projectId: string): Promise<string | undefined> {
  return await readPendingLogin(c, projectId) ?? undefined;
}

/**
 * The IdP-initiated SSO sign-in this browser's cookie holds for the request — its project, its login_hint, not
 * prompt=none — with the cookie's token; null when there is none (unknown, used, expired, another kind).
 */
export async function pendingSsoSignIn(c: Ctx, request: AuthorizeRequest) {
  const token = await readPendingLogin(c, request.project.id);
  if (!token || request.prompt === "none") return null;
  const pending = await pendingLogin(c.var.deps.sql, request.project.id, token);
  if (pending?.kind !== "sso_sign_in") return null;
  const hint = request.loginHint?.trim().toLowerCase();
  return hint === pending.email.trim().toLowerCase() ? { token, email: pending.email } : null;
}

/**
 * Where the sign-in page sends an authorization request that a pending action of its project and address is
 * waiting for: the reset form, the sign-up form filled in, or an IdP-initiated SSO sign-in's confirmation; null to
 * sign in as usual. Only the request's project's cookie is read: one whose link is used or expired is cleared, one
 * for another address (login_hint) is left alone, and other projects' are never touched.
 */
export async function pendingLoginPage(c: Ctx, request: AuthorizeRequest, query: URLSearchParams) {
  const projectId = request.project.id;
  // prompt=none shows nothing, so it cannot show this either.
  if (request.prompt === "none" || getCookie(c, name(c, projectId)) === undefined) return null;
  const token = await readPendingLogin(c, projectId);
  const pending = token ? await pendingLogin(c.var.deps.sql, projectId, token) : null;
  if (!pending) {
    await writePendingLogin(c, projectId, null);
    return null;
  }
  const hint = request.loginHint?.trim().toLowerCase();
  if (hint !== pending.email.trim().toLowerCase()) return null;
  if (pending.kind === "reset_password") return c.redirect(`/auth/reset?${requestQuery(query)}`, 303);
  // An IdP-initiated SAML sign-in: the person confirms the account first (login CSRF; routes/auth/sso/portal.tsx).
  if (pending.kind === "sso_sign_in") return c.redirect(`/auth/sso/portal?${requestQuery(query)}`, 303);
  // The sign-up form needs nothing more from the cookie: the address is the request's login_hint.
  await writePendingLogin(c, projectId, null);
  return c.redirect(`/auth/signup?${requestQuery(query)}`, 303);
}
