/** Email verification links, and the per-project rule that sign-in waits for a confirmed address. */
import type { Ctx } from "../app_env.ts";
import { type AuthorizeRequest, requestQuery } from "./authorize_request.ts";
import { pickLang } from "./i18n.ts";
import { verificationMail } from "./mail.ts";
import { mailLink } from "./mail_link.ts";
import { sha256 } from "../secrets.ts";

/** `settings.require_verified_email: true`: nobody reaches the app before confirming their email. */
export function requiresVerifiedEmail(request: { project: { settings: Record<string, unknown> } }): boolean {
  return request.project.settings.require_verified_email === true;
}

/**
 * A fresh verification link and its mail. The link stands for the stored authorization request, so the
 * confirmation page can send the person on to sign in to the app they came from.
 */
export async function newVerification(c: Ctx, request: AuthorizeRequest, query: URLSearchParams) {
  const { token, link, signInRequest } = mailLink(
    c,
    request.project.id,
    "/auth/verify",
    new URLSearchParams({ client_id: request.clientId, lang: pickLang(c), continue: requestQuery(query) }),
  );
  return {
    tokenHash: await sha256(token),
    signInRequest,
    mail: verificationMail(pickLang(c), request.project, link),
  };
}
