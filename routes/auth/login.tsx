import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { liveSession, userForSignIn } from "@/db/login.ts";
import { requiresVerifiedEmail } from "@/lib/login/verification.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { verifyAnyPassword } from "@/lib/import/verify_hash.ts";
import { rehashIfImported } from "@/lib/import/rehash.ts";
import { randomSecret } from "@/lib/secrets.ts";
import { readSession } from "@/lib/login/browser.ts";
import { countAttempt, finishSignIn, signInWait } from "@/lib/login/flow.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { mfaOwed } from "@/lib/login/factors/policy.ts";
import { consentGiven } from "@/lib/login/remembered_consent.ts";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  flowHref,
  readAuthForm,
} from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { ssoConnectionForEmail } from "@/db/sso_connections.ts";
import { handOverToSso, ssoRequiredPage } from "@/lib/login/sso/required.tsx";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { breachVerdict, projectBreachLookup } from "@/lib/breached_passwords.ts";
import { mailPasswordReset } from "@/lib/login/password_reset.ts";
import { pendingLoginPage } from "@/lib/login/pending_login.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { redirectTo, requestQuery } from "@/lib/login/authorize_request.ts";
import { Field } from "@/components/login/AuthCard.tsx";
import { enabledProviders } from "@/lib/login/social/providers.ts";
import { AuthFormPage } from "@/components/login/AuthFormPage.tsx";
import { ConsentForm } from "@/components/login/ConsentForm.tsx";
import { Island } from "@/lib/islands/Island.tsx";
import PasskeyButton from "@/islands/PasskeyButton.tsx";
import PasskeySignals from "@/islands/PasskeySignals.tsx";
import { PhoneLink } from "@/components/login/PhoneForms.tsx";
import { formPath, PasswordFreeFields } from "@/components/login/PasswordFree.tsx";
import { passwordsEnabled } from "@/lib/login/passwords_setting.ts";
import { passkeysEnabled, passkeyUpgrade } from "@/lib/login/passkeys/settings.ts";
import { emailCodesEnabled } from "@/lib/login/email_codes.ts";
import { botCheckRefusal, formOfPage, useBotCheck } from "@/lib/login/bot_check.ts";
import { BotCheck } from "@/components/login/BotCheck.tsx";
import { impersonatedSignInAgain, openedByImpersonation } from "@/lib/login/impersonated_sign_in_again.ts";

// No password at all is a wrong one (a password-free project's page posts only the email: refused below).
const SignInForm = AuthForm.extend({
  email: z.string().max(254),
  password: z.string().max(1024).default(""),
});

// Verifying against a throwaway hash when the email is unknown keeps both answers equally slow.
let decoy: Promise<string> | undefined;

/** The authorization endpoint: returning people go straight back; others sign in. */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    // A mailed link's action (a reset, an approved sign-up) comes before any session (lib/login/pending_login.ts).
    const pending = await pendingLoginPage(c, request, query);
    if (pending) return pending;
    const session = readSession(c, request.project.id);
    const live = session ? await liveSession(c.var.deps.sql, request.project.id, session) : null;
    if (session && request.prompt !== "login") {
      // OIDC max_age: a sign-in older than the app accepts is asked for again, like prompt=login.
      const fresh = live && (request.maxAge === undefined ||
        Date.now() / 1000 - live.auth_time <= request.maxAge);
      const userId = fresh ? live.user_id : null;
      // A self-registered client never gets a code silently: the signed-in person allows it first, unless
      // they already allowed it every scope asked for this resource (remembered consent; new scopes ask again).
      if (userId && request.thirdParty && !await consentGiven(c, request, userId)) {
        if (request.prompt === "none") {
          const target = redirectTo(request, c.var.deps.config.baseUrl, {
            error: "consent_required",
            error_description:
              "This app needs the person to allow it, which prompt=none does not let us ask.",
          });
          return c.redirect(target, 303);
        }
        return authPage(authPageData(c, request, query, { consent: true }), "consentTitle");
      }
      if (live && userId && mfaOwed(request.project, request.acrValues, live.amr)) {
        if (request.prompt === "none") {
          const target = redirectTo(request, c.var.deps.config.baseUrl, {
            error: "interaction_required",
            error_description:
              "This app asks for a second factor, which prompt=none does not let us ask for.",
          });
          return c.redirect(target, 303);
        }
        // Step-up: the session's person presents a factor (or sets one up) before this app gets a code.
        return await afterFirstFactor(c, request, query, userId, live.amr, { stepUp: { session } });
      }
      if (live && userId) {
        return await finishSignIn(c, request, query, userId, session, {
          amr: live.amr,
          authTime: new Date(live.auth_time * 1000),
        });
      }
    }
    // A fresh sign-in asked of a session support opened as the person: the actor has none of the person's factors.
    if (live && openedByImpersonation(live.amr)) return impersonatedSignInAgain(c, request, query);
    if (request.prompt === "create") return c.redirect(`/auth/signup?${requestQuery(query)}`, 303);
    if (request.prompt === "none") {
      // OIDC Core §3.1.2.6: the app asked not to show anything; nobody is signed in here.
      const target = redirectTo(request, c.var.deps.config.baseUrl, {
        error: "login_required",
        error_description: "Nobody is signed in to this app in this browser.",
      });
      return c.redirect(target, 303);
    }
    const providers = await enabledProviders(c.var.deps, request.project);
    useBotCheck(c, request.project, formOfPage(request.project, "sign_in"));
    return authPage(authPageData(c, request, query, { providers, email: request.loginHint }), "signInTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, SignInForm, "signInTitle");
    if (!("again" in posted)) return posted;
    const { form, request, query, again } = posted;
    // Bot protection first (docs/hosted-login.md#bot-protection): no account is looked up, no password checked.
    const bot = await botCheckRefusal(c, request.project, formOfPage(request.project, "sign_in"));
    if (bot) return again({ error: bot.error }, bot.status);
    const { sql } = c.var.deps;
    // Enforced SSO (docs/enterprise-sso.md): an address at a domain whose organization signs in through its own
    // IdP never has its password checked here (so it counts toward no lockout). No password typed: on to the IdP
    // (307 keeps the form); a password typed: refused, pointing to single sign-on.
    if (await ssoConnectionForEmail(sql, request.project.id, form.email)) {
      if (!form.password) return handOverToSso(c);
      countSignIn("password", "failure", "sso_required");
      return ssoRequiredPage(c, request, query, form.email.trim());
    }
    if (!passwordsEnabled(request.project)) {
      // A passkeys-only page posts here only when someone presses Enter in its email field (implicit
      // submission): point at the passkey rather than refuse a password nobody typed.
      const passkeyOnly = !form.password && passkeysEnabled(request.project) &&
        !emailCodesEnabled(request.project);
      return passkeyOnly ? again({ error: "passkeyUseIt" }, 400) : again({ error: "passwordsOff" }, 403);
    }
    const wait = await signInWait(c, request.project, form.email, "password");
    if (wait > 0) {
      countSignIn("password", "failure", "locked_out");
      return again({ error: "tooMany", waitSeconds: wait }, 429);
    }
    const user = await userForSignIn(sql, request.project.id, form.email);
    const hash = user?.password_hash ?? await (decoy ??= hashPassword(randomSecret()));
    const matches = await verifyAnyPassword(hash, form.password);
    if (!user || !user.password_hash || user.disabled || !matches) {
      await countAttempt(c, request.project, form.email, "sign_in.failed");
      countSignIn("password", "failure", "wrong_credentials");
      return again({ error: "wrongCredentials" }, 422);
    }
    const passwordHash = await rehashIfImported(
      sql,
      request.project.id,
      user.id,
      user.password_hash,
      form.password,
    );
    // A password seen in a breach (docs/hosted-login.md) is right but no longer safe: nobody gets in with it, and
    // its owner gets a reset link (counted as a mailed link, so repeating the sign-in cannot flood the mailbox).
    const lookup = projectBreachLookup(c.var.deps.config.breachedPasswords, request.project, "sign_in");
    if (await breachVerdict(lookup, form.password) === "breached") {
      await countAttempt(c, request.project, form.email, "sign_in.password_breached");
      await mailPasswordReset(c, request, query, form.email);
      countSignIn("password", "failure", "password_breached");
      return again({ error: "breachedPasswordSignIn" }, 403);
    }
    if (requiresVerifiedEmail(request) && !user.email_verified) {
      countSignIn("password", "failure", "email_unverified");
      return again({ notice: "verifyFirst" }, 403);
    }
    try {
      // Nothing starts unless the hash just verified is still the user's (a reset, claim or disable may have won).
      // With passkey_upgrade on, the sign-in goes on through a short page where the password manager that just
      // filled the password may make a passkey silently (docs/passkeys.md#automatic-passkey-upgrade).
      const onward = passkeyUpgrade(request.project) ? "passkey_upgrade" as const : undefined;
      const response = await afterFirstFactor(c, request, query, user.id, ["pwd"], { passwordHash, onward });
      countSignIn("password", "success", "none");
      return response;
    } catch (error) {
      // A connection enabled since the check above: Postgres refuses the password too.
      if (toAppError(error).code === "sso_required") {
        return ssoRequiredPage(c, request, query, form.email.trim());
      }
      if (toAppError(error).code !== "credentials_changed") throw error;
      countSignIn("password", "failure", "credentials_changed");
      return again({ error: "wrongCredentials" }, 422);
    }
  },
};

/** The sign-in form. */
export default function SignIn({ data }: PageProps<AuthPageData>) {
  if (data.consent) return <ConsentForm data={data} />;
  const t = MESSAGES[data.lang];
  return (
    <AuthFormPage
      data={data}
      path="/auth/login"
      action={data.passwordsOff ? formPath(data, "/auth/login") : undefined}
      title="signInTitle"
      subtitle="signInTo"
      social
      fieldHasFocus={data.error === "wrongCredentials"}
      after={
        <>
          {data.passkeys && (
            <Island
              of={PasskeyButton}
              props={{
                purpose: "sign_in" as const,
                action: `/auth/passkey?lang=${data.lang}`,
                request: data.request,
                csrf: data.csrf,
                label: t.passkeySignIn,
                cancelled: t.passkeyCancelled,
                rateLimited: t.passkeyRateLimited,
                unavailable: t.passkeyUnavailable,
                // Not again after a refusal: the page would otherwise offer the same passkey in a loop.
                autofill: data.error !== "passkeyFailed",
              }}
            />
          )}
          {data.forgetPasskey && (
            <Island
              of={PasskeySignals}
              props={{ rpId: data.forgetPasskey.rpId, forget: data.forgetPasskey.credentialId }}
            />
          )}
          {data.passkeys && data.passwordsOff && !data.emailCodes && (
            // A passkey is the only way in here, and the island needs a script: say so instead of a dead form.
            <noscript>
              <p role="alert" class="error">{t.passkeyNoScript}</p>
            </noscript>
          )}
          {data.emailCodes && !data.passwordsOff && (
            <p>
              <a href={flowHref("/auth/email-code", data)}>{t.emailCodeOffer}</a>
            </p>
          )}
          {data.phoneSignIn && <PhoneLink data={data} />}
          <p>
            <a href={flowHref("/auth/sso", data)}>{t.ssoLink}</a>
          </p>
          {!data.passwordsOff && (
            <p>
              <a href={flowHref("/auth/forgot", data)}>{t.forgot}</a>
            </p>
          )}
          {!data.signUpHidden && (
            <p>
              {t.noAccount} <a href={flowHref("/auth/signup", data)}>{t.createOne}</a>
            </p>
          )}
        </>
      }
    >
      {data.passwordsOff ? <PasswordFreeFields data={data} /> : (
        <>
          <Field
            name="email"
            label={t.email}
            type="email"
            value={data.email}
            autocomplete={data.passkeys ? "username webauthn" : "username"}
            invalid={!!data.error}
            focus={data.error === "wrongCredentials"}
          />
          <Field
            name="password"
            label={t.password}
            type="password"
            autocomplete="current-password"
            invalid={!!data.error}
            toggle={{ show: t.showPassword, hide: t.hidePassword }}
          />
          <BotCheck data={data} />
          <button type="submit">{t.signIn}</button>
        </>
      )}
    </AuthFormPage>
  );
}
