import { z } from "zod";
import type { Handlers } from "../../lib/router/routes.ts";
import type { PageProps } from "../../lib/router/page.tsx";
import { readBody } from "../../lib/http/body.ts";
import { toAppError } from "../../lib/http/errors.ts";
import { resetPassword } from "../../db/login.ts";
import { hashPassword } from "../../lib/passwords.ts";
import { csrfValid } from "../../lib/login/browser.ts";
import { finishSignIn } from "../../lib/login/flow.ts";
import {
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  flowHref,
} from "../../lib/login/pages.ts";
import { MESSAGES } from "../../lib/login/i18n.ts";
import { AuthCard, Field } from "../../components/login/AuthCard.tsx";

const ResetForm = z.object({
  request: z.string().max(8000),
  csrf: z.string().max(100),
  token: z.string().max(100),
  password: z.string().max(1024),
});

/** The mailed reset link: choose a new password, then back to the app signed in. */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const token = query.get("token") ?? "";
    return authPage(authPageData(c, request, query, { token }), "resetTitle");
  },

  async POST(c) {
    const form = await readBody(c, ResetForm, ["form"]);
    const query = new URLSearchParams(form.request);
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const again = (error: AuthPageData["error"], status: number) =>
      authPage(authPageData(c, request, query, { token: form.token, error }), "resetTitle", status);
    if (!csrfValid(c, form.csrf)) return again("staleForm", 403);
    if (form.password.length < 8) return again("weakPassword", 422);
    let userId: string;
    try {
      userId = await resetPassword(
        c.var.deps.sql,
        request.project.id,
        form.token,
        await hashPassword(form.password),
      );
    } catch (error) {
      if (toAppError(error).code === "invalid_grant") return again("linkExpired", 400);
      throw error;
    }
    return await finishSignIn(c, request, userId, true);
  },
};

/** The new-password form. */
export default function Reset({ data }: PageProps<AuthPageData>) {
  const t = MESSAGES[data.lang];
  return (
    <AuthCard
      lang={data.lang}
      title="resetTitle"
      subtitle="forgotFor"
      appName={data.appName}
      error={data.error}
      switchHref={`${flowHref("/auth/reset", data, data.lang === "en" ? "id" : "en")}&token=${
        data.token ?? ""
      }`}
    >
      <form method="post" action={`/auth/reset?lang=${data.lang}`} novalidate>
        <input type="hidden" name="request" value={data.request} />
        <input type="hidden" name="csrf" value={data.csrf} />
        <input type="hidden" name="token" value={data.token} />
        <Field
          name="password"
          label={t.newPassword}
          type="password"
          autocomplete="new-password"
          hint={t.passwordHint}
          invalid={data.error === "weakPassword"}
        />
        <button type="submit">{t.setPassword}</button>
      </form>
    </AuthCard>
  );
}
