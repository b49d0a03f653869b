/**
 * What a phone code's claim removed (astapa.claim_unproven_account), carried from the code's POST to the page
 * that tells the person (routes/auth/phone/claimed.tsx): the claim leaves no proven address to mail, and the
 * messages a phone provider sends are codes only (lib/phone/providers/types.ts). A short-lived httpOnly cookie
 * holds the counts, nothing secret; only this server sets it, so no link can make the page claim a removal.
 */
import { getCookie, setCookie } from "hono/cookie";
import type { Ctx } from "@/lib/app_env.ts";
import { cookieName } from "@/lib/login/browser.ts";
import { Removed } from "@/lib/login/claimed_mail.ts";
import { base64url } from "@/lib/secrets.ts";

/** Long enough to read the page and switch its language; the sign-in itself goes on without it. */
const NOTICE_SECONDS = 600;

const noticeCookie = (c: Ctx, projectId: string) => cookieName(c, `astapa_phone_claimed_${projectId}`);

/** Keeps what the claim removed for the notice page. */
export function writeClaimNotice(c: Ctx, projectId: string, removed: Removed): void {
  const value = base64url.encode(new TextEncoder().encode(JSON.stringify(removed)));
  setCookie(c, noticeCookie(c, projectId), value, {
    path: "/",
    httpOnly: true,
    secure: c.var.deps.config.baseUrl.startsWith("https://"),
    sameSite: "Lax",
    maxAge: NOTICE_SECONDS,
  });
}

/** What the claim removed, if this browser's code claimed an account of the project a moment ago. */
export function readClaimNotice(c: Ctx, projectId: string): Removed | null {
  const value = getCookie(c, noticeCookie(c, projectId));
  if (!value || value.length > 2000) return null;
  try {
    const parsed = Removed.safeParse(JSON.parse(new TextDecoder().decode(base64url.decode(value))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
