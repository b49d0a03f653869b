/**
 * GET /auth/link?p=<project id>&t=<token> — a short link from a mail (lib/login/mail_link.ts): opens the stored
 * sign-in request (the verify or reset page, with the token), which says what became of a used or expired
 * link. A token the project never issued gets the "link expired" page in the person's language.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { emailLinkRequest } from "@/db/login.ts";
import { AppError } from "@/lib/http/errors.ts";
import { MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { linkParams, linkTarget } from "@/lib/login/mail_link.ts";

export const handler: Handlers = {
  async GET(c) {
    // In the query, never the path: the access log writes paths.
    const link = linkParams(c);
    const request = link && await emailLinkRequest(c.var.deps.sql, link.projectId, link.token);
    if (!link || !request) {
      throw new AppError("not_found", { description: MESSAGES[pickLang(c)].linkExpired });
    }
    // The token rides in the redirect only: the page it opens checks and uses it.
    return c.redirect(linkTarget(request, link.token), 303);
  },
};
