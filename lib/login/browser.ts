/**
 * What the hosted login keeps in the browser: a session cookie per project (its SHA-256 is in Postgres) and
 * a CSRF token (double submit: a cookie and a hidden field that must match, compared in constant time).
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { randomSecret } from "../secrets.ts";

/** A hosted-login session's lifetime unless the project sets login_session_ttl (astapa.token_lifetime_limits). */
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

/** How long the project's hosted-login sessions last: settings.login_session_ttl (SQL checked it when saved). */
export function loginSessionSeconds(settings: Record<string, unknown>): number {
  const ttl = settings.login_session_ttl;
  return typeof ttl === "number" && Number.isInteger(ttl) ? ttl : SESSION_TTL_SECONDS;
}

function secure(c: Context): boolean {
  return (c.var.deps?.config.baseUrl ?? "").startsWith("https://");
}

/** `__Host-` cookies need Secure, so plain-http development falls back to an unprefixed name. */
export function cookieName(c: Context, base: string): string {
  return secure(c) ? `__Host-${base}` : base;
}

export function sessionCookieName(c: Context, projectId: string): string {
  return cookieName(c, `astapa_session_${projectId}`);
}

export function readSession(c: Context, projectId: string): string | undefined {
  return getCookie(c, sessionCookieName(c, projectId));
}

/** Sets (or with null clears) the session cookie; it lasts as long as the session it names. */
export function writeSession(
  c: Context,
  projectId: string,
  token: string | null,
  ttlSeconds = SESSION_TTL_SECONDS,
): void {
  setCookie(c, sessionCookieName(c, projectId), token ?? "", {
    path: "/",
    httpOnly: true,
    secure: secure(c),
    sameSite: "Lax",
    maxAge: token ? ttlSeconds : 0,
  });
}

/** The CSRF token for this browser, minted on first use. */
export function csrfToken(c: Context): string {
  const name = cookieName(c, "astapa_csrf");
  let token = getCookie(c, name);
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    token = randomSecret();
    setCookie(c, name, token, { path: "/", httpOnly: true, secure: secure(c), sameSite: "Lax" });
  }
  return token;
}

/**
 * Whether a POST came from a page of another site. Browsers send Origin on every POST, so such a form is
 * refused even with a valid CSRF token; no Origin (an old browser, a script) or "null" leaves it to the token.
 */
export function fromAnotherSite(c: Context): boolean {
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== "null" && origin !== new URL(c.var.deps.config.baseUrl).origin;
}

/** A posted form may act: not from another site, and carrying this browser's CSRF token. */
export function formAccepted(c: Context, submitted: unknown): boolean {
  return !fromAnotherSite(c) && csrfValid(c, submitted);
}

export function csrfValid(c: Context, submitted: unknown): boolean {
  const expected = getCookie(c, cookieName(c, "astapa_csrf"));
  if (!expected || typeof submitted !== "string" || submitted.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ submitted.charCodeAt(i);
  return difference === 0;
}
