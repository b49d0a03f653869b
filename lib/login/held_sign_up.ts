/**
 * A first social sign-in, phone code or emailed code from the sign-in page, where the project asks new accounts to
 * agree to its terms (settings.sign_up.require_legal_consent): the callback (or the code's check) holds the
 * identity, number or address server-side (db/held_social_sign_ups.ts, db/phone.ts, db/email_codes.ts) and
 * sends the person to /auth/signup/continue, which asks and then finishes the sign-in. The browser holds only a
 * random token, in an HttpOnly cookie for that page: the identity never leaves the server, and the step cannot be
 * finished in another browser.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Ctx } from "@/lib/app_env.ts";
import type { KeptAppleToken, ProviderIdentity } from "@/db/social.ts";
import { type HeldRequest, holdSocialSignUp } from "@/db/held_social_sign_ups.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { cookieName } from "./browser.ts";
import { langHref } from "./pages.ts";
import type { Lang } from "./i18n.ts";

/** The consent page: its cookie goes nowhere else. */
export const CONTINUE_PATH = "/auth/signup/continue";
const HELD_TTL_SECONDS = 600;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const name = (c: Ctx) => cookieName(c, "astapa_held_sign_up");
const secure = (c: Ctx) => c.var.deps.config.baseUrl.startsWith("https://");

/** A new token for a sign-in to hold, and the hash it is held under. */
export async function newHeldToken(): Promise<{ token: string; hash: Uint8Array }> {
  const token = randomSecret();
  return { token, hash: await sha256(token) };
}

/**
 * Holds the identity with the request it came with (the one the step finishes) and Apple's sealed refresh token
 * (`kept`, for the account the step makes), gives this browser its token, and sends it to the consent page (303).
 */
export async function askForConsent(
  c: Ctx,
  projectId: string,
  identity: ProviderIdentity,
  held: HeldRequest,
  lang: Lang,
  kept?: KeptAppleToken,
): Promise<Response> {
  const { token, hash } = await newHeldToken();
  await holdSocialSignUp(c.var.deps.sql, projectId, hash, identity, held, kept);
  return toConsentStep(c, token, held.query, lang);
}

/** Gives this browser the token of its held sign-in and sends it to the consent page (303). `query`: the request. */
export function toConsentStep(c: Ctx, token: string, query: string, lang: Lang): Response {
  setCookie(c, name(c), token, {
    path: CONTINUE_PATH,
    httpOnly: true,
    secure: secure(c),
    // Lax: the redirect from the callback (a top-level navigation) and the page's own form carry it.
    sameSite: "Lax",
    maxAge: HELD_TTL_SECONDS,
  });
  return c.redirect(langHref(CONTINUE_PATH, query, lang), 303);
}

/** The hash of this browser's held-sign-in token, or null when it has none (or not one of ours). */
export async function heldTokenHash(c: Ctx): Promise<Uint8Array | null> {
  const token = getCookie(c, name(c));
  return token !== undefined && TOKEN.test(token) ? await sha256(token) : null;
}

/** The step is over (finished, or nothing left to finish): the browser forgets the token. */
export function forgetHeldToken(c: Ctx): void {
  deleteCookie(c, name(c), { path: CONTINUE_PATH, secure: secure(c) });
}
