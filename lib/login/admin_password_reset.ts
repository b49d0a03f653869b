/**
 * An admin's "send this user a password reset" (POST /api/platform/users/{sub}/password-reset, the dashboard's
 * button): the reset mail in the user's language (their OIDC locale; English when unset), whose link goes through
 * /auth/start to the app's initiate_login_uri (docs/hosted-login.md "Sign-ins the app did not start"), since no
 * sign-in request of the person's is there to continue.
 */
import type { Tx } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { getUser } from "@/db/users.ts";
import { type PasswordResetSent, sendPasswordReset } from "@/db/pending_logins.ts";
import { resetMail } from "./mail.ts";
import { startLink } from "./pending_login.ts";

/** The user's language for Astapa's mail: Indonesian for an `id` locale (id, id-ID), else English. */
export const mailLangOf = (locale: string | null) => /^id(-|$)/i.test(locale ?? "") ? "id" : "en";

/** Mails user `sub` of the project a reset link (SQL checks who may get one, counts and audits it). */
export async function mailAdminPasswordReset(
  tx: Tx,
  baseUrl: string,
  projectId: string,
  sub: string,
): Promise<PasswordResetSent> {
  const user = await getUser(tx, projectId, sub);
  const project = await getProject(tx, projectId);
  const { link, tokenHash } = await startLink(baseUrl, projectId);
  const mail = resetMail(mailLangOf(user.locale), project, link);
  return await sendPasswordReset(tx, projectId, sub, tokenHash, {
    template: mail.kind,
    subject: mail.subject,
    text: mail.body,
    html: mail.html,
  });
}
