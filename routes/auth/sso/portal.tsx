/**
 * /auth/sso/portal — an IdP-initiated SAML sign-in, back with the app's own authorization request (docs/enterprise-
 * sso.md "Sign-in from the IdP's portal"). The ACS verified the Response and kept its identity as a pending SSO
 * sign-in behind the pending-login cookie (lib/login/sso/saml_idp_initiated.ts); the sign-in page sent the app's
 * request here because the cookie is for this project and the request's login_hint. The page names the account and
 * asks to continue: anyone can post a valid Response of their own into someone else's browser (login CSRF), so the
 * person must see whose account this is before being signed in to it. Continue uses the pending sign-in (once) and
 * signs in as after an SP-initiated Response (lib/login/sso/finish.ts); Cancel drops it.
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
  flowHref,
  readAuthForm,
} from "@/lib/login/pages.ts";
import { requestQuery } from "@/lib/login/authorize_request.ts";
import { MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { pendingSsoSignIn, writePendingLogin } from "@/lib/login/pending_login.ts";
import { finishSsoSignIn } from "@/lib/login/sso/finish.ts";
import { ssoProblemPage } from "@/lib/login/sso/problem.ts";
import { SocialSignInError } from "@/lib/login/social/errors.ts";
import { ssoConnectionForSignIn, useSsoPendingSignIn } from "@/db/sso_connections.ts";
import { sha256 } from "@/lib/secrets.ts";
import { AuthFormPage } from "@/components/login/AuthFormPage.tsx";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

/** `email` is shown again on a stale form only; the account signed in to is the pending sign-in's. */
const PortalForm = AuthForm.extend({
  choice: z.enum(["continue", "cancel"]),
  email: z.string().max(320).optional(),
});

export const handler: Handlers<AuthPageData | SocialProblemData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const pending = await pendingSsoSignIn(c, request);
    if (!pending) return c.redirect(`/auth/login?${requestQuery(query)}`, 303);
    return authPage(authPageData(c, request, query, { email: pending.email }), "ssoPortalTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, PortalForm, "ssoPortalTitle");
    if (!("again" in posted)) return posted;
    const { form, request, query, again } = posted;
    const backHref = `/auth/login?${requestQuery(query)}`;
    const pending = await pendingSsoSignIn(c, request);
    // Either way the cookie has done its work: Cancel drops it, Continue uses it (or finds it used or expired).
    await writePendingLogin(c, request.project.id, null);
    if (form.choice === "cancel") return c.redirect(backHref, 303);
    const { sql } = c.var.deps;
    const used = pending && await useSsoPendingSignIn(sql, request.project.id, await sha256(pending.token));
    if (!used) return again({ error: "ssoPortalGone" }, 410);
    const connection = await ssoConnectionForSignIn(sql, request.project.id, used.connection_id);
    const shown = {
      lang: pickLang(c),
      organizationName: connection?.organization_name ?? "",
      appName: request.project.name,
      backHref,
    };
    // Disabled since the Response came (use_sso_pending_sign_in saw it enabled a moment ago).
    if (!connection) return ssoProblemPage(c, new SocialSignInError("ssoUnavailable", 409), shown);
    const identity = {
      subject: used.subject,
      email: used.email,
      emailVerified: true,
      profile: used.profile,
      groups: used.groups,
      saml: { nameIdFormat: used.name_id_format, sessionIndex: used.session_index },
    };
    return await finishSsoSignIn(c, request, query, connection, identity, shown);
  },
};

/** Whose account the portal sign-in is for, with Continue and Cancel; or why it cannot go on. */
export default function SsoPortal({ data }: PageProps<AuthPageData | SocialProblemData>) {
  if ("providerName" in data) return <SocialProblem data={data} />;
  const t = MESSAGES[data.lang];
  const gone = data.error === "ssoPortalGone";
  return (
    <AuthFormPage
      data={data}
      path="/auth/sso/portal"
      title="ssoPortalTitle"
      subtitle="signInTo"
      after={gone && (
        <p>
          <a href={flowHref("/auth/login", data)}>{t.backToSignIn}</a>
        </p>
      )}
    >
      {!gone && (
        <>
          <p>{t.ssoPortalIntro}</p>
          <p>
            <strong>{data.email}</strong>
          </p>
          <p>{t.ssoPortalWarning}</p>
          <input type="hidden" name="email" value={data.email} />
          <button type="submit" name="choice" value="continue">{t.ssoPortalContinue}</button>{" "}
          <button type="submit" name="choice" value="cancel" class="secondary">{t.ssoPortalCancel}</button>
        </>
      )}
    </AuthFormPage>
  );
}
