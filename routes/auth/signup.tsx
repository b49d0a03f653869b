import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { toAppError } from "@/lib/http/errors.ts";
import { createUser } from "@/db/login.ts";
import { chosenPasswordProblem, hashPassword } from "@/lib/passwords.ts";
import { projectBreachLookup } from "@/lib/breached_passwords.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
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
import { passkeysEnabled } from "@/lib/login/passkeys/settings.ts";
import { newVerification, requiresVerifiedEmail } from "@/lib/login/verification.ts";
import { Field } from "@/components/login/AuthCard.tsx";
import { enabledProviders } from "@/lib/login/social/providers.ts";
import { AuthFormPage } from "@/components/login/AuthFormPage.tsx";
import { PasswordFreeFields, signUpPath } from "@/components/login/PasswordFree.tsx";
import { passwordsEnabled } from "@/lib/login/passwords_setting.ts";
import { NewPassword, refusesPassword } from "@/components/login/NewPassword.tsx";
import { refusalBeforeForm, refusedSignUp, signUpRefusedPage } from "@/lib/login/sign_up_refusal.tsx";
import { ssoConnectionForEmail } from "@/db/sso_connections.ts";
import { handOverToSso } from "@/lib/login/sso/required.tsx";
import { botCheckRefusal, formOfPage, useBotCheck } from "@/lib/login/bot_check.ts";
import { BotCheck } from "@/components/login/BotCheck.tsx";
import { Waitlist } from "@/components/login/Waitlist.tsx";
import { renderPage } from "@/lib/router/page.tsx";
import { legalConsentAsked, signUpMode } from "@/lib/login/sign_up_mode.ts";
import { LegalConsent } from "@/components/login/LegalConsent.tsx";
import { withGuest, withoutGuest } from "@/lib/login/guest_hint.ts";

// No password at all is a weak one (a password-free project's page posts only the email: refused below).
const SignUpForm = AuthForm.extend({
  email: z.string().max(254),
  password: z.string().max(1024).default(""),
  // An unticked checkbox sends nothing. Forged, it is still the person's own statement.
  legal_consent: z.literal("on").optional(),
});

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Sign-up for the app's project, then straight back to the app signed in. */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const asked = await authorizeRequest(c, query);
    if (asked instanceof Response) return asked;
    // A guest's sign-up (docs/anonymous-users.md): a hint that names no guest goes back to the app now.
    const request = await withGuest(c, asked);
    if (request instanceof Response) return request;
    // Closed, or by invitation outside an invitation's flow: say so rather than show a form that cannot work.
    const refusal = refusalBeforeForm(request);
    if (refusal) return signUpRefusedPage(c, request, query, refusal);
    // A waitlist: the waitlist form, unless the request names the address (the approval mail's link does).
    if (signUpMode(request.project) === "waitlist" && !request.loginHint) {
      useBotCheck(c, request.project, "sign_up");
      return renderPage(c, Waitlist, authPage(authPageData(c, request, query), "waitlistTitle"));
    }
    const providers = await enabledProviders(c.var.deps, request.project);
    useBotCheck(c, request.project, formOfPage(request.project, "sign_up"));
    return authPage(authPageData(c, request, query, { providers, email: request.loginHint }), "signUpTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, SignUpForm, "signUpTitle");
    if (!("again" in posted)) return posted;
    const { form, again } = posted;
    const request = await withGuest(c, posted.request);
    if (request instanceof Response) return request;
    // Bot protection first (docs/hosted-login.md#bot-protection): nothing is checked or stored without it.
    const bot = await botCheckRefusal(c, request.project, formOfPage(request.project, "sign_up"));
    if (bot) return again({ error: bot.error }, bot.status);
    if (!passwordsEnabled(request.project)) return again({ error: "passwordsOff" }, 403);
    const email = form.email.trim();
    if (!EMAIL.test(email)) return again({ error: "invalidEmail" }, 422);
    // The terms the project asks new people to agree to (settings.sign_up.require_legal_consent); Postgres
    // refuses the account without it too (AS4N7).
    const consented = form.legal_consent === "on";
    if (legalConsentAsked(request.project) && !consented) return again({ error: "legalConsentMissing" }, 422);
    // Enforced SSO: an address whose organization signs in through its own IdP signs up there, whatever password
    // was typed (api.sign_up_user refuses it too).
    if (await ssoConnectionForEmail(c.var.deps.sql, request.project.id, email)) return handOverToSso(c);
    const weak = await chosenPasswordProblem(
      projectBreachLookup(c.var.deps.config.breachedPasswords, request.project, "chosen"),
      form.password,
    );
    if (weak) return again({ error: weak }, 422);
    const verification = await newVerification(c, request, posted.query);
    let userId: string;
    try {
      userId = await createUser(
        c.var.deps.sql,
        request.project.id,
        // A guest keeps their row and sub: the address and password go onto it (api.sign_up_guest).
        { email, passwordHash: await hashPassword(form.password), guestSub: request.guestSub },
        verification,
        request.invitation,
        consented,
      );
    } catch (error) {
      // settings.sign_up is checked before the address is looked up: the same answer whether it is taken or not.
      const refused = refusedSignUp(c, request, posted.query, error);
      if (refused) return refused;
      if (toAppError(error).code !== "conflict") throw error;
      // Where addresses must be confirmed, a taken one gets the same answer as a new one: no enumeration.
      if (requiresVerifiedEmail(request)) return again({ notice: "checkEmail" }, 200);
      return again({ error: "emailTaken" }, 409);
    }
    if (requiresVerifiedEmail(request)) return again({ notice: "checkEmail" }, 200);
    // A project that requires a second factor has the new person set one up before the app gets a code.
    // A project with passkeys offers the new person one first (after that second factor, when one is owed);
    // "Back to the app" then brings a fresh code.
    const onward = passkeysEnabled(request.project) ? "passkey_offer" as const : undefined;
    return await afterFirstFactor(c, request, posted.query, userId, ["pwd"], { onward });
  },
};

const EMAIL_ERRORS = new Set<string>(["invalidEmail", "emailTaken"]);

/** The sign-up form; once it asks the person to check their email, only that notice (and resend). */
export default function SignUp({ data }: PageProps<AuthPageData>) {
  const t = MESSAGES[data.lang];
  return (
    <AuthFormPage
      data={data}
      path="/auth/signup"
      action={data.passwordsOff ? signUpPath(data) : undefined}
      title="signUpTitle"
      subtitle="signUpTo"
      social
      signUp
      noticeReplacesForm
      fieldHasFocus={EMAIL_ERRORS.has(data.error!) || refusesPassword(data.error) ||
        data.error === "legalConsentMissing"}
      after={
        <p>
          {t.haveAccount}{" "}
          {/* A guest who has an account signs in to it: the app gets that account's sub (and moves the guest's data). */}
          <a href={flowHref("/auth/login", { ...data, request: withoutGuest(data.request) })}>
            {t.signInInstead}
          </a>
        </p>
      }
    >
      {data.passwordsOff
        ? (
          <PasswordFreeFields
            data={data}
            intro={data.passkeySignUp ? "passkeySignUpIntro" : "passwordsOffSignUp"}
            send={data.passkeySignUp}
            consent
          />
        )
        : (
          <>
            <Field
              name="email"
              label={t.email}
              type="email"
              value={data.email}
              autocomplete="email"
              invalid={EMAIL_ERRORS.has(data.error!)}
              focus={EMAIL_ERRORS.has(data.error!)}
            />
            <NewPassword data={data} label={t.password} />
            <LegalConsent data={data} />
            <BotCheck data={data} />
            <button type="submit">{t.signUp}</button>
          </>
        )}
    </AuthFormPage>
  );
}
