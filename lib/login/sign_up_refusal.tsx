/**
 * The page a sign-up refused by settings.sign_up renders (docs/hosted-login.md): 403, English or Indonesian,
 * whichever form asked. Postgres decides (astapa.assert_sign_up_allowed); this module only reads its answer.
 */
import type { Ctx } from "../app_env.ts";
import { toAppError } from "../http/errors.ts";
import { page, renderPage } from "../router/page.tsx";
import { brandOf } from "../branding/brand.ts";
import type { AuthorizeRequest } from "./authorize_request.ts";
import { langHref } from "./pages.ts";
import { type Lang, type MessageKey, MESSAGES, pickLang } from "./i18n.ts";
import { requestQuery } from "./authorize_request.ts";
import { signUpMode, signUpOffered } from "./sign_up_mode.ts";
import { refusedBySso } from "./sso/required.tsx";

const REASONS: Record<string, MessageKey> = {
  AS4N0: "signUpClosed",
  AS4N1: "signUpInvitationOnly",
  AS4N2: "signUpDomainRefused",
  AS4N3: "signUpEmailRequired",
  AS4N4: "signUpWaitlist",
  AS4N5: "signUpDisposableRefused",
  AS4N6: "signUpSubaddressRefused",
  AS4N7: "signUpConsentRequired",
};

export type SignUpRefusedData = {
  lang: Lang;
  appName: string;
  message: string;
  signInHref: string;
  /** Under a waitlist: the page to join it instead. */
  waitlistHref?: string;
  /** Consent not given (a first Google/GitHub/Apple, phone or code sign-in): the sign-up form that asks for it. */
  signUpHref?: string;
};

/** The refusal's message, when the request cannot even start a sign-up (GET /auth/signup). */
export function refusalBeforeForm(request: AuthorizeRequest): MessageKey | null {
  if (signUpOffered(request)) return null;
  return signUpMode(request.project) === "closed" ? "signUpClosed" : "signUpInvitationOnly";
}

/** The 403 page for a refused sign-up: `reason` says why, `domain` fills its {domain}. */
export function signUpRefusedPage(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  reason: MessageKey,
  domain = "",
  lang: Lang = pickLang(c),
): Response {
  const appName = brandOf(request.project).name;
  const message = MESSAGES[lang][reason].replaceAll("{app}", appName).replaceAll("{domain}", domain);
  const data = {
    lang,
    appName,
    message,
    signInHref: langHref("/auth/login", requestQuery(query), lang),
    ...(signUpMode(request.project) === "waitlist"
      ? { waitlistHref: langHref("/auth/waitlist", requestQuery(query), lang) }
      : {}),
    ...(reason === "signUpConsentRequired"
      ? { signUpHref: langHref("/auth/signup", requestQuery(query), lang) }
      : {}),
  };
  return renderPage(
    c,
    SignUpRefused,
    page(data, { title: MESSAGES[lang].signUpRefusedTitle, lang, status: 403 }),
  );
}

/**
 * The refusal page for an error settings.sign_up or enforced SSO (lib/login/sso/required.tsx: every path that may
 * create an account signs people in too) raised, or null for any other error (the caller rethrows).
 * `lang`: the flow's own language where the page is reached without it (a provider's redirect back).
 */
export function refusedSignUp(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  error: unknown,
  lang?: Lang,
): Response | null {
  const sso = refusedBySso(c, request, query, error, lang);
  if (sso) return sso;
  const code = toAppError(error).code;
  if (code !== "sign_up_refused" && code !== "legal_consent_required") return null;
  const { code: state, detail } = error as { code: string; detail?: string };
  return signUpRefusedPage(c, request, query, REASONS[state] ?? "signUpClosed", detail ?? "", lang);
}

/** Why no account was made, and the way to sign in instead (an existing account is never refused). */
export function SignUpRefused({ data }: { data: SignUpRefusedData }) {
  const t = MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      <p class="eyebrow">{t.signUpTo} {data.appName}</p>
      <h1 id="auth-heading">{t.signUpRefusedTitle}</h1>
      <p class="alert" role="alert" id="form-error">{data.message}</p>
      <p>{t.signUpRefusedHint}</p>
      <p>
        <a class="button" href={data.signInHref}>{t.signInInstead}</a>
      </p>
      {data.signUpHref && (
        <p>
          <a href={data.signUpHref}>{t.signUpInstead}</a>
        </p>
      )}
      {data.waitlistHref && (
        <p>
          <a href={data.waitlistHref}>{t.waitlistJoin}</a>
        </p>
      )}
    </section>
  );
}

/** Runs a call that may create an account: its answer, or the refusal page when settings.sign_up or SSO refused it. */
export async function orSignUpRefusal<T>(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  work: () => Promise<T>,
): Promise<T | Response> {
  try {
    return await work();
  } catch (error) {
    const refused = refusedSignUp(c, request, query, error);
    if (refused) return refused;
    throw error;
  }
}
