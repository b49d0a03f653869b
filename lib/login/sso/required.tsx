/**
 * Enforced SSO on the hosted login (docs/enterprise-sso.md, "Enforced SSO and existing accounts"): Postgres refuses
 * every way in but the SSO callback for an address whose organization signs in through its own IdP
 * (astapa.assert_sso_not_required, AS4E0 → sso_required). Where the person typed the address (password sign-in
 * and sign-up, an email code's or a passkey sign-up's request) the form hands over to /auth/sso at once; anywhere
 * else one page (403, en/id) says why and posts the address and the request on to /auth/sso.
 */
import type { Ctx } from "@/lib/app_env.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { page, renderPage } from "@/lib/router/page.tsx";
import { brandOf } from "@/lib/branding/brand.ts";
import { type AuthorizeRequest, requestQuery } from "../authorize_request.ts";
import { csrfToken } from "../browser.ts";
import { langHref } from "../pages.ts";
import { type Lang, MESSAGES, pickLang } from "../i18n.ts";
import { SsoRequired } from "@/components/login/SsoRequired.tsx";

/** The address enforced SSO refused (the error's DETAIL), or null for any other error. */
export function ssoRequiredAddress(error: unknown): string | null {
  if (toAppError(error).code !== "sso_required") return null;
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === "string" ? detail : "";
}

/**
 * The typed form goes on to /auth/sso as it was posted (307 keeps the method and the body: the request, the CSRF
 * token and the email), as the password form does; /auth/sso reads only those three.
 */
export const handOverToSso = (c: Ctx) => c.redirect(`/auth/sso?lang=${pickLang(c)}`, 307);

/** The 403 page: why, and "Continue with single sign-on" with `email` and the request. */
export function ssoRequiredPage(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  email: string,
  lang: Lang = pickLang(c),
): Response {
  const data = {
    lang,
    appName: brandOf(request.project).name,
    request: requestQuery(query),
    csrf: csrfToken(c),
    email,
    signInHref: langHref("/auth/login", requestQuery(query), lang),
  };
  return renderPage(
    c,
    SsoRequired,
    page(data, { title: MESSAGES[lang].ssoRequiredTitle, lang, status: 403 }),
  );
}

/** The page for an error enforced SSO raised, or null for any other (the caller goes on with it). */
export function refusedBySso(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  error: unknown,
  lang?: Lang,
): Response | null {
  const email = ssoRequiredAddress(error);
  return email === null ? null : ssoRequiredPage(c, request, query, email, lang);
}

/** Runs a call on an address the person typed: its answer, or the hand-over to /auth/sso when SSO refused it. */
export async function orHandOverToSso<T>(c: Ctx, work: () => Promise<T>): Promise<T | Response> {
  try {
    return await work();
  } catch (error) {
    if (ssoRequiredAddress(error) === null) throw error;
    return handOverToSso(c);
  }
}
