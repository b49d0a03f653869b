/**
 * Dashboard sessions in the browser: a 256-bit random token in an HttpOnly, SameSite=Lax cookie (Secure on
 * https) scoped to /dashboard; Postgres keeps only its SHA-256. Every mutating form carries a CSRF token
 * derived from the session token, so it changes with every sign-in and needs no storage of its own.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Ctx, SignedInDeveloper } from "../app_env.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { dashboardSession, endDashboardSession, startDashboardSession } from "@/db/dashboard.ts";
import { base64url, randomSecret, sha256 } from "../secrets.ts";

export const SESSION_COOKIE = "astapa_dashboard";
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The CSRF token for forms of the session this token opens (a one-way function of it). */
export async function csrfFor(sessionToken: string): Promise<string> {
  return base64url.encode(await sha256(`astapa dashboard csrf\u0000${sessionToken}`));
}

/** Compares two strings without an early exit on the first difference. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < left.length; i++) difference |= left[i] ^ (right[i % right.length] ?? 0);
  return difference === 0;
}

/** Starts a session for the account and returns the token for the cookie. */
export async function startSession(sql: Sql, accountId: string): Promise<string> {
  const token = randomSecret();
  const hash = await sha256(token);
  await asApp(sql, null, (tx) => startDashboardSession(tx, hash, accountId, SESSION_TTL_SECONDS), {
    actor: `account:${accountId}`,
  });
  return token;
}

/** Puts the session token in the browser. */
export function setSessionCookie(c: Ctx, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: "/dashboard",
    httpOnly: true,
    sameSite: "Lax",
    secure: c.var.deps.config.baseUrl.startsWith("https://"),
    maxAge: SESSION_TTL_SECONDS,
  });
}

/** The signed-in developer behind the request's cookie, or null. */
export async function readSession(c: Ctx): Promise<SignedInDeveloper | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || !TOKEN.test(token)) return null;
  const sessionHash = await sha256(token);
  const session = await asApp(c.var.deps.sql, null, (tx) => dashboardSession(tx, sessionHash));
  return session ? { session, sessionHash, csrf: await csrfFor(token) } : null;
}

/** Ends the request's session in Postgres and removes the cookie. */
export async function endSession(c: Ctx, signedIn: SignedInDeveloper): Promise<void> {
  await asApp(c.var.deps.sql, null, (tx) => endDashboardSession(tx, signedIn.sessionHash));
  deleteCookie(c, SESSION_COOKIE, { path: "/dashboard" });
}
