/**
 * An admin sends a user a password reset: the reset mail, in the user's language, whose link starts a sign-in at
 * the project client's initiate_login_uri (OIDC Core §4; docs/hosted-login.md "Sign-ins the app did not start").
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { PasswordResetSentSchema } from "@/db/pending_logins.ts";
import { mailAdminPasswordReset } from "@/lib/login/admin_password_reset.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** A way into someone's account: the project's own client only, as signing them out. */
export const callers = clients("project");

/** POST mails the link: 202 {sub, sent_to}. */
export const handler: Handlers = {
  async POST(c) {
    const sub = subParam(c);
    const baseUrl = c.var.deps.config.baseUrl;
    const sent = await asClient(c, (tx, projectId) => mailAdminPasswordReset(tx, baseUrl, projectId, sub));
    return c.json(sent, 202, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Users",
    summary: "Mail a user a password reset link",
    description:
      "The reset mail (settings.mail_texts reset_password), in the user's language; its link (single use, 1 " +
      "hour, voiding earlier ones) opens /auth/start, which sends the browser to the project client's " +
      "initiate_login_uri with iss and login_hint; the app starts its sign-in and the hosted login asks for the " +
      "new password first. 409 initiate_login_uri_missing without one; 409 conflict for a password-free project " +
      "or a user without an email, disabled, or whose address does not sign in; 403 sso_required; 429 past 3 " +
      "per user per 15 minutes. Audited `user.password_reset_sent {by: admin}`.",
    auth: "client",
    responses: {
      202: { description: "Mailed", schema: PasswordResetSentSchema },
      ...COMMON_ERRORS,
    },
  },
};
