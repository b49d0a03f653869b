/**
 * The hosted login of a project with passwords off (docs/passkeys.md): the sign-in and sign-up forms ask for an
 * email only and send a code (when email codes are on; the email field also offers passkeys by autofill), and
 * a password page (forgot, reset) says why it is closed, with the way back to signing in.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { type MessageKey, MESSAGES } from "@/lib/login/i18n.ts";
import { AuthCard, Field } from "./AuthCard.tsx";
import { BotCheck } from "./BotCheck.tsx";
import { LegalConsent } from "./LegalConsent.tsx";

/** A password page, closed: the reason (as the error) and a link to sign in. */
export function PasswordsClosed(
  { data, path, title, subtitle }: {
    data: AuthPageData;
    path: string;
    title: MessageKey;
    subtitle: MessageKey;
  },
) {
  const t = MESSAGES[data.lang];
  return (
    <AuthCard
      lang={data.lang}
      title={title}
      subtitle={subtitle}
      appName={data.appName}
      error="passwordsOff"
      switchHref={flowHref(path, data, data.lang === "en" ? "id" : "en")}
    >
      <p>
        <a href={flowHref("/auth/login", data)}>{t.signInInstead}</a>
      </p>
    </AuthCard>
  );
}

/**
 * The email-only fields of a password-free sign-in or sign-up form. With email codes on, the form goes to
 * /auth/email-code (`formPath`) as its "send" action; with passkeys only, the sign-in field is there for
 * autofill, and the sign-up form (`send`) mails a code to /auth/signup/passkey.
 */
export function PasswordFreeFields(
  { data, intro, send, consent }: {
    data: AuthPageData;
    intro?: MessageKey;
    send?: boolean;
    /** A sign-up form: the "I agree" box where the project asks (settings.sign_up.require_legal_consent). */
    consent?: boolean;
  },
) {
  const t = MESSAGES[data.lang];
  return (
    <>
      {intro && <p>{t[intro]}</p>}
      <Field
        name="email"
        label={t.email}
        type="email"
        value={data.email}
        autocomplete={data.passkeys ? "username webauthn" : "username"}
        invalid={data.error === "invalidEmail"}
      />
      {consent && <LegalConsent data={data} />}
      {(data.emailCodes || send) && <BotCheck data={data} />}
      {(data.emailCodes || send) && (
        <button type="submit" name="action" value="send">{t.emailCodeSend}</button>
      )}
    </>
  );
}

/** Where a password-free form posts: the email-code page when it is on, else the page itself. */
export function formPath(data: AuthPageData, own: string): string {
  return data.emailCodes ? "/auth/email-code" : own;
}

/** Where a password-free sign-up form posts: the code-then-passkey sign-up, else as sign-in's (`formPath`). */
export function signUpPath(data: AuthPageData): string {
  return data.passkeySignUp ? "/auth/signup/passkey" : formPath(data, "/auth/signup");
}
