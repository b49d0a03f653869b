/**
 * What the sign-in and sign-up routes share: reading the authorization request from the query or the form,
 * sending protocol errors back to the app, and the data their pages render.
 */
import type { Ctx } from "../app_env.ts";
import {
  AuthorizeRedirectError,
  type AuthorizeRequest,
  parseAuthorizeRequest,
  redirectTo,
  requestQuery,
} from "./authorize_request.ts";
import { csrfToken } from "./browser.ts";
import { type Lang, type MessageKey, pickLang } from "./i18n.ts";
import type { ProviderId } from "./social/providers.ts";

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
  /** The mailed link's token, carried by the reset form. */
  token?: string;
  /** Sign-in providers whose buttons the page shows. */
  providers?: ProviderId[];
};

/** Parses the request; a protocol error the app should hear about becomes a redirect Response. */
export async function authorizeRequest(c: Ctx, query: URLSearchParams): Promise<AuthorizeRequest | Response> {
  try {
    return await parseAuthorizeRequest(c.var.deps.sql, query);
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
    token?: string;
    providers?: ProviderId[];
  } = {},
): AuthPageData {
  return {
    lang: pickLang(c),
    appName: request.project.name,
    request: requestQuery(query),
    csrf: csrfToken(c),
    ...extra,
  };
}

/** The link to the same flow in the other language, or on the sibling page. */
export function flowHref(path: string, data: AuthPageData, lang: Lang = data.lang): string {
  return `${path}?${data.request}${data.request ? "&" : ""}lang=${lang}`;
}
