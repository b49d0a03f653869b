/**
 * What the sign-in and sign-up routes share: reading the authorization request from the query or the form,
 * sending protocol errors back to the app, and the data their pages render.
 */
import { clientAddress } from "../http/client_address.ts";
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { readBody } from "../http/body.ts";
import { page, type PageResult } from "../router/page.tsx";
import {
  AuthorizeRedirectError,
  type AuthorizeRequest,
  parseAuthorizeRequest,
  redirectTo,
  requestQuery,
} from "./authorize_request.ts";
import { csrfToken, formAccepted } from "./browser.ts";
import { type Lang, type MessageKey, MESSAGES, pickLang } from "./i18n.ts";
import { enabledProviders, type ProviderId } from "./social/providers.ts";
import type { ThirdParty } from "./dynamic_client_target.ts";
import { brandOf } from "../branding/brand.ts";
import { useBrand } from "../branding/use_brand.ts";
import { passkeysEnabled, passkeySignUp } from "./passkeys/settings.ts";
import { emailCodesEnabled } from "./email_codes.ts";
import { passwordsEnabled } from "./passwords_setting.ts";
import { phoneEnabled } from "@/lib/phone/enabled.ts";
import { legalConsentAsked, signUpOffered } from "./sign_up_mode.ts";
import { type BotWidget, useResendBotCheck } from "./bot_check.ts";

export type AuthPageData = {
  lang: Lang;
  appName: string;
  /** The authorization request as a query string, carried through the form and the links. */
  request: string;
  csrf: string;
  email?: string;
  error?: MessageKey;
  /** A confirmation to show instead of the form. */
  notice?: MessageKey;
  /** Seconds until the person may try again (lockouts, "send the link again"). */
  waitSeconds?: number;
  /** The mailed link's token, carried by the reset form. */
  token?: string;
  /** Sign-in providers whose buttons the page shows. */
  providers?: ProviderId[];
  /** A dynamically registered client asks: its unverified name and the resource it wants. */
  thirdParty?: ThirdParty;
  /** Someone is signed in already: ask them to allow the (dynamically registered) client instead. */
  consent?: boolean;
  /** The project offers passkeys (docs/passkeys.md). */
  passkeys?: boolean;
  /** The project offers sign-in by emailed code (docs/passkeys.md). */
  emailCodes?: boolean;
  /** The project takes no passwords: email codes and passkeys only (docs/passkeys.md). */
  passwordsOff?: boolean;
  /** New people sign up with a mailed code, then a passkey (/auth/signup/passkey). */
  passkeySignUp?: boolean;
  /** The project offers "Continue with phone". */
  phoneSignIn?: boolean;
  /** settings.sign_up takes no new accounts from this request: no "Create an account" link. */
  signUpHidden?: boolean;
  /** The form asks for a bot check (settings.bot_protection; lib/login/bot_check.ts `useBotCheck`). */
  botCheck?: BotWidget;
  /** "Send the link again" under a notice asks for its own (lib/login/bot_check.ts `useResendBotCheck`). */
  resendBotCheck?: BotWidget;
  /** settings.sign_up.require_legal_consent: the sign-up form's "I agree" box, with the branding's links. */
  legalConsent?: { termsUrl?: string; privacyUrl?: string };
  /** The box was ticked on the form shown again (for another mistake): it stays ticked. */
  legalConsentTicked?: boolean;
  /** The passkey just presented was this project's and is gone: the browser is asked to forget it. */
  forgetPasskey?: { rpId: string; credentialId: string };
};

/** Astapa's billing, account and device pages sign people in through the same flow (their callback.ts). */
export function ownCallbacks(c: Ctx): string[] {
  const base = c.var.deps.config.baseUrl;
  return [`${base}/billing/callback`, `${base}/account/callback`, `${base}/device/callback`];
}

/** Parses the request; a protocol error the app should hear about becomes a redirect Response. */
export async function authorizeRequest(c: Ctx, query: URLSearchParams): Promise<AuthorizeRequest | Response> {
  try {
    const request = await parseAuthorizeRequest(c.var.deps, query, ownCallbacks(c), clientAddress(c));
    useBrand(c, request.project); // every hosted-login page of this request shows the project's brand
    return request;
  } catch (error) {
    if (!(error instanceof AuthorizeRedirectError)) throw error;
    const target = redirectTo(error.request, c.var.deps.config.baseUrl, {
      error: error.code,
      error_description: error.message,
    });
    return c.redirect(target, 303);
  }
}

export function authPageData(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  extra: {
    email?: string;
    error?: MessageKey;
    notice?: MessageKey;
    waitSeconds?: number;
    token?: string;
    providers?: ProviderId[];
    consent?: boolean;
  } = {},
): AuthPageData {
  return {
    lang: pickLang(c),
    appName: brandOf(request.project).name,
    request: requestQuery(query),
    csrf: csrfToken(c),
    ...(phoneEnabled(request.project) ? { phoneSignIn: true } : {}),
    ...(request.thirdParty ? { thirdParty: request.thirdParty } : {}),
    ...(passkeysEnabled(request.project) ? { passkeys: true } : {}),
    ...(emailCodesEnabled(request.project) ? { emailCodes: true } : {}),
    ...(passwordsEnabled(request.project) ? {} : { passwordsOff: true }),
    ...(passkeySignUp(request.project) ? { passkeySignUp: true } : {}),
    ...(signUpOffered(request) ? {} : { signUpHidden: true }),
    ...(legalConsentAsked(request.project) ? { legalConsent: legalConsentAsked(request.project)! } : {}),
    ...(c.var.botCheck ? { botCheck: c.var.botCheck } : {}),
    ...extra,
    ...resendCheck(c, request, extra),
  };
}

/** The notices that ask someone to confirm their address, under which "send the link again" is offered. */
const CHECK_EMAIL_NOTICES = new Set<MessageKey>(["checkEmail", "verifyFirst", "linkResent", "resendTooSoon"]);

// Such a notice with the address offers "send the link again" (components/login/CheckEmail): its widget, if any.
function resendCheck(c: Ctx, request: AuthorizeRequest, extra: { notice?: MessageKey; email?: string }) {
  const shown = Boolean(extra.notice && CHECK_EMAIL_NOTICES.has(extra.notice) && extra.email);
  const widget = useResendBotCheck(c, request.project, shown);
  return widget ? { resendBotCheck: widget } : {};
}

/** `path` for the authorization request `request` (a query string), in the person's language `lang`. */
export function langHref(path: string, request: string, lang: Lang): string {
  return `${path}?${request}${request ? "&" : ""}lang=${lang}`;
}

/** Sign in again (the session ended, or lacks a factor): the request `query`, in the person's language. */
export const signInAgainHref = (c: Ctx, query: URLSearchParams) =>
  langHref("/auth/login", requestQuery(query), pickLang(c));

/** The link to the same flow in the other language, or on the sibling page. */
export function flowHref(path: string, data: AuthPageData, lang: Lang = data.lang): string {
  return langHref(path, data.request, lang);
}

/**
 * The sign-in page that takes someone who just signed in on to the app: without a prompt=login, which would
 * ask them to sign in again (the browser's new session answers it).
 */
export function signedInHref(data: AuthPageData): string {
  const request = new URLSearchParams(data.request);
  if (request.get("prompt") === "login") request.delete("prompt");
  return flowHref("/auth/login", { ...data, request: request.toString() });
}

/** A hosted-login page: titled and tagged in the person's language. */
export function authPage(data: AuthPageData, title: MessageKey, status = 200): PageResult<AuthPageData> {
  return page(data, { title: MESSAGES[data.lang][title], lang: data.lang, status });
}

/** What every hosted-login form posts: the authorization request it belongs to, and the CSRF token. */
export const AuthForm = z.object({ request: z.string().max(8000), csrf: z.string().max(100) });

/** What went wrong or what happened, and how long to wait before the next try. */
export type PageOutcome = { error?: MessageKey; notice?: MessageKey; waitSeconds?: number };

export type PostedForm<F> = {
  form: F;
  query: URLSearchParams;
  request: AuthorizeRequest;
  /** The same page again, keeping what was typed, with what went wrong or what happened. */
  again(extra: PageOutcome, status: number): PageResult<AuthPageData>;
};

/**
 * What a page shows for its stale form when its plain data would lack something (the picker's organizations, the
 * second factor's challenge): the page as a reload would show it, saying STALE_FORM's message with its status.
 * `form`: what was posted, for the page's mode (which code, which step).
 */
export type StalePage<F = unknown> = (
  request: AuthorizeRequest,
  query: URLSearchParams,
  form: F,
) => Promise<Response | PageResult<AuthPageData>> | Response | PageResult<AuthPageData>;

/** A stale form's answer on every hosted page: the page again, saying so, 403; nothing done. */
export const STALE_FORM = { error: "staleForm", status: 403 } as const;

/**
 * Reads a posted hosted-login form: the request it carries (a protocol error redirects to the app), then the
 * CSRF check (a stale form is shown again with a message, by `stale` when given). Anything but a PostedForm is
 * the answer to send.
 */
export async function readAuthForm<S extends typeof AuthForm>(
  c: Ctx,
  schema: S,
  title: MessageKey,
  stale?: StalePage<z.infer<S>>,
): Promise<PostedForm<z.infer<S>> | Response | PageResult<AuthPageData>> {
  const form = await readBody(c, schema, ["form"]);
  const query = new URLSearchParams(form.request);
  const request = await authorizeRequest(c, query);
  if (request instanceof Response) return request;
  const typed = form as { email?: string; token?: string; legal_consent?: string };
  const providers = await enabledProviders(c.var.deps, request.project);
  const again = (extra: PageOutcome, status: number) =>
    authPage(
      authPageData(c, request, query, {
        email: typed.email,
        token: typed.token,
        providers,
        ...(typed.legal_consent === "on" ? { legalConsentTicked: true } : {}),
        ...extra,
      }),
      title,
      status,
    );
  if (!formAccepted(c, form.csrf)) {
    return stale ? await stale(request, query, form) : again({ error: STALE_FORM.error }, STALE_FORM.status);
  }
  return { form, query, request, again };
}
