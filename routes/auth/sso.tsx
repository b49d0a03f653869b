/**
 * /auth/sso — "Sign in with single sign-on": the person's work email picks their organization's connection (an
 * enabled one at a verified domain of the organization), and the browser goes to that IdP. The password form
 * routes here too (routes/auth/login.tsx) for an address whose domain signs in through SSO.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  readAuthForm,
} from "@/lib/login/pages.ts";
import { MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { ssoConnectionForEmail } from "@/db/sso_connections.ts";
import { startSsoSignIn } from "@/lib/login/sso/sign_in.ts";
import { Field } from "@/components/login/AuthCard.tsx";
import { AuthFormPage } from "@/components/login/AuthFormPage.tsx";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

const SsoForm = AuthForm.extend({ email: z.string().max(254) });

export const handler: Handlers<AuthPageData | SocialProblemData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    return authPage(authPageData(c, request, query, { email: request.loginHint }), "ssoTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, SsoForm, "ssoTitle");
    if (!("again" in posted)) return posted;
    const { form, request, query, again } = posted;
    const connection = await ssoConnectionForEmail(c.var.deps.sql, request.project.id, form.email);
    if (!connection) return again({ error: "ssoUnknown" }, 404);
    return await startSsoSignIn(c, request, query, connection, pickLang(c));
  },
};

/** The email form, or why the IdP could not be reached (startSsoSignIn's page). */
export default function SsoSignIn({ data }: PageProps<AuthPageData | SocialProblemData>) {
  if ("providerName" in data) return <SocialProblem data={data} />;
  const t = MESSAGES[data.lang];
  return (
    <AuthFormPage data={data} path="/auth/sso" title="ssoTitle" subtitle="signInTo">
      <p>{t.ssoIntro}</p>
      <Field
        name="email"
        label={t.email}
        type="email"
        value={data.email}
        autocomplete="username"
        invalid={!!data.error}
      />
      <button type="submit">{t.ssoContinue}</button>
    </AuthFormPage>
  );
}
