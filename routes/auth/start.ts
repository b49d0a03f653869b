/**
 * GET /auth/start?p=<project id>&t=<token> — a mailed link that starts a sign-in the app did not start (OIDC Core
 * §4; docs/hosted-login.md "Sign-ins the app did not start"): an admin's password reset, a waitlist approval. It
 * leaves a short-lived cookie naming the pending action (lib/login/pending_login.ts) and sends the browser to the
 * project client's initiate_login_uri with iss and login_hint; the app starts its own authorization request and
 * the sign-in page shows the action first. Opening the link uses nothing (mail scanners open links): the token is
 * used when the action is done — the new password set, the account made.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { pendingLogin } from "@/db/pending_logins.ts";
import { AppError } from "@/lib/http/errors.ts";
import { MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { writePendingLogin } from "@/lib/login/pending_login.ts";
import { linkParams } from "@/lib/login/mail_link.ts";

export const handler: Handlers = {
  async GET(c) {
    // The token is in this page's URL: no Referer carries it to the app, and no cache keeps the answer.
    c.header("referrer-policy", "no-referrer");
    c.header("cache-control", "no-store");
    const link = linkParams(c);
    const pending = link && await pendingLogin(c.var.deps.sql, link.projectId, link.token);
    if (!link || !pending) {
      throw new AppError("not_found", { description: MESSAGES[pickLang(c)].linkExpired });
    }
    // Removed after the mail went: nowhere to start the sign-in.
    if (!pending.initiate_login_uri) throw new AppError("initiate_login_uri_missing");
    await writePendingLogin(c, link.projectId, link.token);
    const target = new URL(pending.initiate_login_uri);
    target.searchParams.set("iss", c.var.deps.config.baseUrl);
    target.searchParams.set("login_hint", pending.email);
    return c.redirect(target.toString(), 303);
  },
};
