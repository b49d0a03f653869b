import { z } from "zod";
import type { Handlers } from "../../lib/router/routes.ts";
import type { PageProps } from "../../lib/router/page.tsx";
import { toAppError } from "../../lib/http/errors.ts";
import { resetPassword } from "../../db/login.ts";
import { hashPassword, isCommonPassword } from "../../lib/passwords.ts";
import { finishSignIn } from "../../lib/login/flow.ts";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  flowHref,
  readAuthForm,
} from "../../lib/login/pages.ts";
import { MESSAGES } from "../../lib/login/i18n.ts";
import { AuthCard, Field } from "../../components/login/AuthCard.tsx";
import { Island } from "../../lib/islands/Island.tsx";
import PasswordStrength from "../../islands/PasswordStrength.tsx";

const ResetForm = AuthForm.extend({ token: z.string().max(100), password: z.string().max(1024) });

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
    const posted = await readAuthForm(c, ResetForm, "resetTitle");
    if (!("again" in posted)) return posted;
    const { form, request, again } = posted;
    if (form.password.length < 8) return again({ error: "weakPassword" }, 422);
    if (isCommonPassword(form.password)) return again({ error: "commonPassword" }, 422);
    let userId: string;
    try {
      userId = await resetPassword(
        c.var.deps.sql,
        request.project.id,
        form.token,
        await hashPassword(form.password),
      );
    } catch (error) {
      if (toAppError(error).code === "invalid_grant") return again({ error: "linkExpired" }, 400);
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
          invalid={data.error === "weakPassword" || data.error === "commonPassword"}
        />
        <Island
          of={PasswordStrength}
          props={{ inputId: "password", labels: [t.strength0, t.strength1, t.strength2, t.strength3] }}
        />
        <button type="submit">{t.setPassword}</button>
      </form>
    </AuthCard>
  );
}
