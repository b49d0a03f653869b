/**
 * GET /auth/email-code/link?p=<project>&t=<token> — the magic link in a sign-in code mail. A GET changes
 * nothing (mail scanners open links): it shows the request's page with one button that posts the token to
 * /auth/email-code. A used, expired or voided link says so at once (400); an unknown one is a 404.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";
import { authorizeRequest, authPage, authPageData } from "@/lib/login/pages.ts";
import { MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { emailCodeLink } from "@/db/email_codes.ts";
import { sha256 } from "@/lib/secrets.ts";
import type { EmailCodeData } from "@/components/login/EmailCode.tsx";
import EmailCodePage from "../email-code.tsx";

const PROJECT = /^proj_[a-z2-7]{16}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const handler: Handlers<EmailCodeData> = {
  async GET(c) {
    const projectId = c.req.query("p") ?? "";
    const token = c.req.query("t") ?? "";
    const link = PROJECT.test(projectId) && TOKEN.test(token)
      ? await emailCodeLink(c.var.deps.sql, projectId, await sha256(token))
      : null;
    if (!link) throw new AppError("not_found", { description: MESSAGES[pickLang(c)].linkExpired });
    const query = new URLSearchParams(link.sign_in_request);
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    if (request.project.id !== projectId) throw new AppError("not_found");
    const data = { ...authPageData(c, request, query), mode: link.usable ? "link" : "expired", token };
    return authPage(data as EmailCodeData, "emailCodeTitle", link.usable ? 200 : 400);
  },
};

export default EmailCodePage;
