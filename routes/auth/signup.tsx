import { z } from "zod";
import type { Handlers } from "../../lib/router/routes.ts";
import type { PageProps } from "../../lib/router/page.tsx";
import { toAppError } from "../../lib/http/errors.ts";
import { createUser } from "../../db/login.ts";
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
import { newVerification, requiresVerifiedEmail } from "../../lib/login/verification.ts";
import { AuthCard, Field } from "../../components/login/AuthCard.tsx";
import { CheckEmail } from "../../components/login/CheckEmail.tsx";
import { Island } from "../../lib/islands/Island.tsx";
import PasswordStrength from "../../islands/PasswordStrength.tsx";
import { SocialButtons } from "../../components/login/SocialButtons.tsx";
import { enabledProviders } from "../../lib/login/social/providers.ts";

const SignUpForm = AuthForm.extend({ email: z.string().max(254), password: z.string().max(1024) });

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Sign-up for the app's project, then straight back to the app signed in. */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const providers = await enabledProviders(c.var.deps, request.project);
    return authPage(authPageData(c, request, query, { providers }), "signUpTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, SignUpForm, "signUpTitle");
    if (!("again" in posted)) return posted;
    const { form, request, again } = posted;
    const email = form.email.trim();
    if (!EMAIL.test(email)) return again({ error: "invalidEmail" }, 422);
    if (form.password.length < 8) return again({ error: "weakPassword" }, 422);
    if (isCommonPassword(form.password)) return again({ error: "commonPassword" }, 422);
    const verification = await newVerification(c, request, posted.query);
    let userId: string;
    try {
      userId = await createUser(
        c.var.deps.sql,
        request.project.id,
        { email, passwordHash: await hashPassword(form.password) },
        verification,
      );
    } catch (error) {
      if (toAppError(error).code !== "conflict") throw error;
      // Where addresses must be confirmed, a taken one gets the same answer as a new one: no enumeration.
      if (requiresVerifiedEmail(request)) return again({ notice: "checkEmail" }, 200);
      return again({ error: "emailTaken" }, 409);
    }
    if (requiresVerifiedEmail(request)) return again({ notice: "checkEmail" }, 200);
    return await finishSignIn(c, request, userId, true);
  },
};

/** The sign-up form. */
export default function SignUp({ data }: PageProps<AuthPageData>) {
  const t = MESSAGES[data.lang];
  return (
    <AuthCard
      lang={data.lang}
      title="signUpTitle"
      subtitle="signUpTo"
      appName={data.appName}
      error={data.error}
      switchHref={flowHref("/auth/signup", data, data.lang === "en" ? "id" : "en")}
    >
      <SocialButtons lang={data.lang} providers={data.providers ?? []} request={data.request} />
      {data.notice && (
        <CheckEmail
          lang={data.lang}
          notice={data.notice}
          request={data.request}
          csrf={data.csrf}
          email={data.email}
        />
      )}
      <form method="post" action={`/auth/signup?lang=${data.lang}`} novalidate>
        <input type="hidden" name="request" value={data.request} />
        <input type="hidden" name="csrf" value={data.csrf} />
        <Field
          name="email"
          label={t.email}
          type="email"
          value={data.email}
          autocomplete="email"
          invalid={data.error === "invalidEmail" || data.error === "emailTaken"}
        />
        <Field
          name="password"
          label={t.password}
          type="password"
          autocomplete="new-password"
          hint={t.passwordHint}
          invalid={data.error === "weakPassword" || data.error === "commonPassword"}
        />
        <Island
          of={PasswordStrength}
          props={{ inputId: "password", labels: [t.strength0, t.strength1, t.strength2, t.strength3] }}
        />
        <button type="submit">{t.signUp}</button>
      </form>
      <p>
        {t.haveAccount} <a href={flowHref("/auth/login", data)}>{t.signInInstead}</a>
      </p>
    </AuthCard>
  );
}
