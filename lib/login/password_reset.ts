/**
 * Mails a password reset link for the sign-in request in progress: "Forgot your password?", and a sign-in whose
 * password turned up in a breach (routes/auth/login.tsx). The link comes back to this request, so the person
 * lands in the app once the new password is set. An address without an account gets nothing (SQL decides, so
 * the answer is the same either way).
 */
import type { Ctx } from "@/lib/app_env.ts";
import { mailEmailLink } from "@/db/login.ts";
import { sha256 } from "@/lib/secrets.ts";
import type { AuthorizeRequest } from "./authorize_request.ts";
import { pickLang } from "./i18n.ts";
import { resetMail } from "./mail.ts";
import { mailLink } from "./mail_link.ts";

export async function mailPasswordReset(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  email: string,
): Promise<void> {
  const resetQuery = new URLSearchParams(query);
  resetQuery.set("lang", pickLang(c));
  const { token, link, signInRequest } = mailLink(c, request.project.id, "/auth/reset", resetQuery);
  await mailEmailLink(
    c.var.deps.sql,
    request.project.id,
    email,
    "reset_password",
    { tokenHash: await sha256(token), signInRequest, mail: resetMail(pickLang(c), request.project, link) },
  );
}
