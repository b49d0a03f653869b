import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { toAppError } from "@/lib/http/errors.ts";
import { resetLinkUsable, resetPassword } from "@/db/login.ts";
import { chosenPasswordProblem, hashPassword } from "@/lib/passwords.ts";
import { projectBreachLookup } from "@/lib/breached_passwords.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { refusedBySso } from "@/lib/login/sso/required.tsx";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  flowHref,
  readAuthForm,
} from "@/lib/login/pages.ts";
import { MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";
import { AuthCard } from "@/components/login/AuthCard.tsx";

import { AuthFormPage } from "@/components/login/AuthFormPage.tsx";
import { PasswordsClosed } from "@/components/login/PasswordFree.tsx";
import { passwordsEnabled } from "@/lib/login/passwords_setting.ts";
import { ConsentForm } from "@/components/login/ConsentForm.tsx";
import { NewPassword, refusesPassword } from "@/components/login/NewPassword.tsx";
import { pendingResetToken, writePendingLogin } from "@/lib/login/pending_login.ts";
import { pendingLogin } from "@/db/pending_logins.ts";
import type { Ctx } from "@/lib/app_env.ts";
import type { AuthorizeRequest } from "@/lib/login/authorize_request.ts";

const ResetForm = AuthForm.extend({ token: z.string().max(100).default(""), password: z.string().max(1024) });

/** The mailed reset link: choose a new password, then back to the app signed in. */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    if (!passwordsEnabled(request.project)) {
      return authPage(authPageData(c, request, query), "resetTitle", 403);
    }
    // A mailed /auth/start link's token rides in its cookie, not in this URL (lib/login/pending_login.ts).
    const fromCookie = query.get("token") ? undefined : await pendingResetToken(c, request.project.id);
    if (fromCookie) return await pendingResetPage(c, request, query, fromCookie);
    const token = query.get("token") ?? "";
    // A used or expired link says so at once, not after a new password was typed.
    if (!token || !await resetLinkUsable(c.var.deps.sql, request.project.id, token)) {
      return authPage(authPageData(c, request, query, { error: "linkExpired" }), "resetTitle", 400);
    }
    return authPage(authPageData(c, request, query, { token }), "resetTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, ResetForm, "resetTitle");
    if (!("again" in posted)) return posted;
    const { form, query, request, again } = posted;
    if (!passwordsEnabled(request.project)) return again({ error: "passwordsOff" }, 403);
    const weak = await chosenPasswordProblem(
      projectBreachLookup(c.var.deps.config.breachedPasswords, request.project, "chosen"),
      form.password,
    );
    if (weak) return again({ error: weak }, 422);
    const fromCookie = form.token ? undefined : await pendingResetToken(c, request.project.id);
    let userId: string;
    try {
      userId = await resetPassword(
        c.var.deps.sql,
        request.project.id,
        form.token || fromCookie || "",
        await hashPassword(form.password),
        claimNotice(pickLang(c), request.project.name, "reset", request.project.settings),
      );
    } catch (error) {
      if (toAppError(error).code === "invalid_grant") return again({ error: "linkExpired" }, 400);
      // Enforced SSO: the account's address is at a domain that signs in through its IdP (the link stays unused).
      const sso = refusedBySso(c, request, query, error);
      if (sso) return sso;
      throw error;
    }
    if (fromCookie) await writePendingLogin(c, request.project.id, null);
    // The reset link may have been requested by someone else for a client of theirs: no code without consent
    // (issue 17 #8). A new password does not skip the second factor: the mailbox is one factor, not two.
    return await afterFirstFactor(c, request, query, userId, ["pwd"], { consentFirst: !!request.thirdParty });
  },
};

/**
 * The form for a reset that came through the app (/auth/start): it names the account the new password is for, so a
 * link someone opened for their own account in another's browser (login CSRF) says whose password it sets.
 */
async function pendingResetPage(c: Ctx, request: AuthorizeRequest, query: URLSearchParams, token: string) {
  const pending = await pendingLogin(c.var.deps.sql, request.project.id, token);
  if (pending?.kind !== "reset_password") {
    await writePendingLogin(c, request.project.id, null);
    return authPage(authPageData(c, request, query, { error: "linkExpired" }), "resetTitle", 400);
  }
  return authPage(authPageData(c, request, query, { email: pending.email }), "resetTitle");
}

/**
 * The new-password form; after it, the consent step for a self-registered client; for a used or expired link,
 * the way to a new one instead.
 */
export default function Reset({ data }: PageProps<AuthPageData>) {
  if (data.consent) return <ConsentForm data={data} />;
  if (data.passwordsOff) {
    return <PasswordsClosed data={data} path="/auth/reset" title="resetTitle" subtitle="forgotFor" />;
  }
  const t = MESSAGES[data.lang];
  if (data.error === "linkExpired") {
    const other = data.lang === "en" ? "id" : "en";
    return (
      <AuthCard
        lang={data.lang}
        title="resetTitle"
        subtitle="forgotFor"
        appName={data.appName}
        error="linkExpired"
        switchHref={`${flowHref("/auth/reset", data, other)}&token=${data.token ?? ""}`}
      >
        <p>
          <a class="button" href={flowHref("/auth/forgot", data)}>{t.requestNewLink}</a>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthFormPage
      data={data}
      path="/auth/reset"
      title="resetTitle"
      subtitle="forgotFor"
      keep={`&token=${data.token ?? ""}`}
      fieldHasFocus={refusesPassword(data.error)}
    >
      {data.email && !data.token && (
        <p>
          {t.passwordForAccount} <strong>{data.email}</strong>
        </p>
      )}
      <input type="hidden" name="token" value={data.token} />
      <NewPassword data={data} label={t.newPassword} />
      <button type="submit">{t.setPassword}</button>
    </AuthFormPage>
  );
}
