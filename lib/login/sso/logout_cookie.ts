/**
 * The short-lived cookie a sign-out at Astapa leaves in the browser while it goes by the IdP (SAML single logout,
 * saml_sp_logout.ts; OpenID Connect RP-initiated logout, oidc_rp_logout.ts): what the IdP's answer is checked against
 * and where the browser goes on, sealed under the master key, ten minutes, HttpOnly, SameSite=Lax (the IdP's
 * redirect back is a top-level GET), on the protocol's paths only, and taken once — cleared whatever the answer.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { openFromBrowser, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";
import { cookieName } from "../browser.ts";

export const LOGOUT_COOKIE_TTL_SECONDS = 600;

/** One protocol's cookie: its name, the path it is sent on, and what it is sealed for. */
export type LogoutCookie = { name: string; path: string; context: string };

const secure = (c: Ctx) => c.var.deps.config.baseUrl.startsWith("https://");

/** Seals `pending` (with its expiry) into the protocol's cookie. */
export async function writeLogoutCookie(c: Ctx, cookie: LogoutCookie, pending: { expiresAt: number }) {
  const plain = new TextEncoder().encode(JSON.stringify(pending));
  const sealed = await seal(c.var.deps.masterKeys.social, plain, cookie.context);
  setCookie(c, cookieName(c, cookie.name), base64url.encode(sealed), {
    path: cookie.path,
    httpOnly: true,
    secure: secure(c),
    sameSite: "Lax",
    maxAge: LOGOUT_COOKIE_TTL_SECONDS,
  });
}

/** The logout this browser is waiting on, once (the cookie is cleared whatever happens); null when none. */
export async function takeLogoutCookie<T extends { expiresAt: number }>(
  c: Ctx,
  cookie: LogoutCookie,
  schema: z.ZodType<T>,
): Promise<T | null> {
  const name = cookieName(c, cookie.name);
  const raw = getCookie(c, name);
  if (raw === undefined) return null;
  deleteCookie(c, name, { path: cookie.path, secure: secure(c) });
  try {
    const plain = await openFromBrowser(c.var.deps.masterKeys.social, base64url.decode(raw), cookie.context);
    const pending = schema.parse(JSON.parse(new TextDecoder().decode(plain)));
    return pending.expiresAt > Date.now() ? pending : null;
  } catch {
    return null;
  }
}
