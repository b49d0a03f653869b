/**
 * The "sign in with an email code" page (/auth/email-code): ask for the address, then for the 6-digit code;
 * a magic link from the mail shows a button that signs in (a GET changes nothing). No JavaScript needed.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { AuthCard } from "./AuthCard.tsx";
import { ConsentForm } from "./ConsentForm.tsx";
import { BotCheck } from "./BotCheck.tsx";

export type EmailCodeData = AuthPageData & {
  /** ask: the address; code: the code for `email`; link: a magic link's button; expired: a dead link. */
  mode?: "ask" | "code" | "link" | "expired";
  /** Codes create accounts here: the "sent" notice says a new address gets one too. */
  signUp?: boolean;
  /** The sign-up form's "I agree" was ticked: the code's forms carry it to the step that makes the account. */
  consented?: boolean;
};

export function EmailCode({ data }: { data: EmailCodeData }) {
  if (data.consent) return <ConsentForm data={data} />;
  const t = MESSAGES[data.lang];
  const mode = data.mode ?? "ask";
  const other = data.lang === "en" ? "id" : "en";
  const action = `/auth/email-code?lang=${data.lang}`;
  const hidden = (
    <>
      <input type="hidden" name="request" value={data.request} />
      <input type="hidden" name="csrf" value={data.csrf} />
      {data.consented && <input type="hidden" name="legal_consent" value="on" />}
    </>
  );
  const wrong = data.error === "emailCodeWrong";
  return (
    <AuthCard
      lang={data.lang}
      title="emailCodeTitle"
      subtitle="signInTo"
      appName={data.appName}
      error={data.error}
      waitSeconds={data.waitSeconds}
      fieldHasFocus={wrong}
      switchHref={flowHref("/auth/email-code", data, other)}
    >
      {mode === "ask" && (
        <form method="post" action={action} novalidate>
          {hidden}
          <p>{t.emailCodeIntro}</p>
          <p class="field">
            <label for="email">{t.email}</label>
            <input id="email" name="email" type="email" required autocomplete="username" value={data.email} />
          </p>
          <BotCheck data={data} />
          <button type="submit" name="action" value="send">{t.emailCodeSend}</button>
        </form>
      )}
      {mode === "code" && (
        <>
          <p role="status">{data.signUp ? t.emailCodeSentSignUp : t.emailCodeSent}</p>
          <form method="post" action={action} novalidate>
            {hidden}
            <input type="hidden" name="email" value={data.email} />
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
            <button type="submit" name="action" value="verify">{t.emailCodeVerify}</button>
          </form>
          <form method="post" action={action}>
            {hidden}
            <input type="hidden" name="email" value={data.email} />
            <BotCheck data={data} />
            <button type="submit" name="action" value="send" class="secondary">{t.emailCodeAgain}</button>
          </form>
        </>
      )}
      {mode === "link" && (
        <form method="post" action={action}>
          {hidden}
          <input type="hidden" name="token" value={data.token} />
          <p>{t.emailCodeLinkIntro}</p>
          <button type="submit" name="action" value="link">{t.signIn}</button>
        </form>
      )}
      {mode === "expired" && (
        <>
          <p>{t.linkExpired}</p>
          <p>
            <a class="button" href={flowHref("/auth/email-code", data)}>{t.emailCodeAgain}</a>
          </p>
        </>
      )}
    </AuthCard>
  );
}
