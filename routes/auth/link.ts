/**
 * GET /auth/link?p=<project id>&t=<token> — a short link from a mail (lib/login/mail_link.ts): opens the stored
 * sign-in request (the verify or reset page, with the token), which says what became of a used or expired
 * link. A token the project never issued gets the "link expired" page in the person's language.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { emailLinkRequest } from "@/db/login.ts";
import { AppError } from "@/lib/http/errors.ts";
import { MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { linkTarget } from "@/lib/login/mail_link.ts";

const PROJECT = /^proj_[a-z2-7]{16}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const handler: Handlers = {
  async GET(c) {
    // In the query, never the path: the access log writes paths.
    const projectId = c.req.query("p") ?? "";
    const token = c.req.query("t") ?? "";
    const request = PROJECT.test(projectId) && TOKEN.test(token)
      ? await emailLinkRequest(c.var.deps.sql, projectId, token)
      : null;
    if (!request) throw new AppError("not_found", { description: MESSAGES[pickLang(c)].linkExpired });
    // The token rides in the redirect only: the page it opens checks and uses it.
    return c.redirect(linkTarget(request, token), 303);
  },
};
