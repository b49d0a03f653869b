/**
 * The code-then-passkey sign-up of a passkeys-only project (/auth/signup/passkey): after the address (asked
 * on /auth/signup) the code from the mail, then the island that registers the first passkey. The attempt's
 * token rides in every form; the account has no way in until the passkey is stored. English and Indonesian.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { Island } from "@/lib/islands/Island.tsx";
import PasskeyButton from "@/islands/PasskeyButton.tsx";
import { AuthCard } from "./AuthCard.tsx";
import { PasswordFreeFields } from "./PasswordFree.tsx";
import { BotCheck } from "./BotCheck.tsx";

export type PasskeySignUpData = AuthPageData & {
  /**
   * ask (the default: a refused address or a stale form): the address again; code: the code for `email`;
   * passkey: the first passkey; expired: start again from /auth/signup.
   */
  mode?: "ask" | "code" | "passkey" | "expired";
  /** The attempt's token (not a secret to the person: it only works with their mailed code). */
  signUp?: string;
  /**
   * The "I agree" box was ticked (settings.sign_up.require_legal_consent): carried to the code that makes the
   * account.
   */
  consented?: boolean;
};

export function PasskeySignUp({ data }: { data: PasskeySignUpData }) {
  const t = MESSAGES[data.lang];
  const action = `/auth/signup/passkey?lang=${data.lang}`;
  const hidden = (
    <>
      <input type="hidden" name="request" value={data.request} />
      <input type="hidden" name="csrf" value={data.csrf} />
      <input type="hidden" name="sign_up" value={data.signUp} />
      <input type="hidden" name="email" value={data.email} />
      {data.consented && <input type="hidden" name="legal_consent" value="on" />}
    </>
  );
  const wrong = data.error === "emailCodeWrong";
  const mode = data.mode ?? "ask";
  return (
    <AuthCard
      lang={data.lang}
      title="signUpTitle"
      subtitle="signUpTo"
      appName={data.appName}
      error={data.error}
      waitSeconds={data.waitSeconds}
      fieldHasFocus={wrong}
      switchHref={flowHref("/auth/signup", data, data.lang === "en" ? "id" : "en")}
    >
      {mode === "ask" && (
        <form method="post" action={action} novalidate>
          <input type="hidden" name="request" value={data.request} />
          <input type="hidden" name="csrf" value={data.csrf} />
          <PasswordFreeFields data={data} intro="passkeySignUpIntro" send consent />
        </form>
      )}
      {mode === "code" && (
        <>
          <p role="status">{t.passkeySignUpSent}</p>
          <form method="post" action={action} novalidate>
            {hidden}
            <p class="field">
              <label for="code">{t.emailCodeLabel}</label>
              <input
                id="code"
                name="code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength={12}
                required
                aria-invalid={wrong ? "true" : undefined}
                aria-describedby={wrong ? "form-error" : undefined}
              />
            </p>
            <button type="submit" name="action" value="verify">{t.passkeySignUpContinue}</button>
          </form>
          <form method="post" action={action}>
            {hidden}
            <BotCheck data={data} />
            <button type="submit" name="action" value="send" class="secondary">{t.emailCodeAgain}</button>
          </form>
        </>
      )}
      {mode === "passkey" && (
        <>
          <p>{t.passkeySignUpAdd}</p>
          <Island
            of={PasskeyButton}
            props={{
              purpose: "sign_up" as const,
              action,
              request: data.request,
              csrf: data.csrf,
              signUp: data.signUp,
              label: t.passkeyAdd,
              cancelled: t.passkeyCancelled,
              rateLimited: t.passkeyRateLimited,
              unavailable: t.passkeyUnavailable,
              alreadyAdded: t.passkeyAlreadyAdded,
              nameLabel: t.passkeyName,
              defaultName: t.passkeyDefaultName,
              unsupported: t.passkeySignUpNoWebAuthn,
            }}
          />
          <noscript>
            <p role="alert" class="error">{t.passkeySignUpNoScript}</p>
          </noscript>
          {data.emailCodes && (
            // The address is proven and the account exists: where codes sign in, that is a way in without a
            // passkey (and without JavaScript).
            <p>
              <a href={flowHref("/auth/email-code", data)}>{t.passkeySignUpByCode}</a>
            </p>
          )}
        </>
      )}
      {mode === "expired" && (
        <p>
          <a class="button" href={flowHref("/auth/signup", data)}>{t.passkeySignUpAgain}</a>
        </p>
      )}
      <p>
        {t.haveAccount} <a href={flowHref("/auth/login", data)}>{t.signInInstead}</a>
      </p>
    </AuthCard>
  );
}
