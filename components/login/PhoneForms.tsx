/** The phone sign-in pages: the number (WhatsApp first, SMS on request) and the code, no script needed. */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import type { Channel } from "@/db/phone.ts";
import { PHONE_MESSAGES, type PhoneMessageKey, sayPhone } from "@/lib/phone/i18n.ts";
import { AuthFormPage } from "./AuthFormPage.tsx";
import { AuthCard } from "./AuthCard.tsx";
import { BotCheck } from "./BotCheck.tsx";

export type PhonePageData = AuthPageData & {
  /** The number as typed, kept when the form comes back. */
  phone?: string;
  /** The pending code's number, mostly hidden. */
  masked?: string;
  channel?: Channel;
  fellBack?: boolean;
  phoneError?: PhoneMessageKey;
  wait?: number;
  left?: number;
  /** SMS can be offered (a provider sends it, or the project is a sandbox). */
  smsAvailable?: boolean;
  /** The project does not offer phone sign-in: the page says so and shows no form. */
  unavailable?: boolean;
};

/** "Continue with phone" on the sign-in page, for projects that offer it. */
export function PhoneLink({ data }: { data: AuthPageData }) {
  return (
    <p>
      <a class="button secondary" href={flowHref("/auth/phone", data)}>
        {PHONE_MESSAGES[data.lang].continueWithPhone}
      </a>
    </p>
  );
}

function PhoneAlert({ data }: { data: PhonePageData }) {
  if (!data.phoneError) return null;
  return (
    <p class="alert" role="alert" id="form-error" tabindex={-1}>
      {sayPhone(data.lang, data.phoneError, { wait: data.wait, left: data.left })}
    </p>
  );
}

/** A link back to the email sign-in. */
function UseEmail({ data }: { data: PhonePageData }) {
  return (
    <p>
      <a href={flowHref("/auth/login", data)}>{PHONE_MESSAGES[data.lang].useEmail}</a>
    </p>
  );
}

export function PhoneNumberForm({ data }: { data: PhonePageData }) {
  const t = PHONE_MESSAGES[data.lang];
  if (data.unavailable) {
    return (
      <AuthCard
        lang={data.lang}
        title="phoneTitle"
        subtitle="signInTo"
        appName={data.appName}
        switchHref={flowHref("/auth/phone", data, data.lang === "en" ? "id" : "en")}
      >
        <p class="alert" role="alert">{t.unavailable}</p>
        <UseEmail data={data} />
      </AuthCard>
    );
  }
  const invalid = data.phoneError === "invalidPhone" || data.phoneError === "notMobile" ||
    data.phoneError === "country";
  return (
    <AuthFormPage
      data={data}
      path="/auth/phone"
      title="phoneTitle"
      subtitle="signInTo"
      after={<UseEmail data={data} />}
    >
      <PhoneAlert data={data} />
      <p>{t.phoneIntro}</p>
      <p class="field">
        <label for="phone">{t.phoneNumber}</label>
        <input
          id="phone"
          name="phone"
          type="tel"
          inputmode="tel"
          autocomplete="tel"
          value={data.phone}
          required
          maxlength={40}
          aria-invalid={invalid ? "true" : undefined}
          aria-describedby={invalid ? "phone-hint form-error" : "phone-hint"}
          autofocus
        />
        <span class="hint" id="phone-hint">{t.phoneHint}</span>
      </p>
      <BotCheck data={data} />
      <button type="submit" name="channel" value="whatsapp">{t.sendWhatsApp}</button>
      {data.smsAvailable && (
        <button type="submit" name="channel" value="sms" class="secondary">{t.sendSms}</button>
      )}
    </AuthFormPage>
  );
}

export function PhoneCodeForm({ data }: { data: PhonePageData }) {
  const t = PHONE_MESSAGES[data.lang];
  const sent: PhoneMessageKey = data.fellBack
    ? "fellBackToSms"
    : data.channel === "sms"
    ? "sentSms"
    : "sentWhatsApp";
  const wrong = data.phoneError === "wrongCode";
  return (
    <AuthFormPage
      data={data}
      path="/auth/phone/code"
      title="phoneCodeTitle"
      subtitle="signInTo"
      after={
        <p>
          <a href={flowHref("/auth/phone", data)}>{t.otherNumber}</a>
        </p>
      }
    >
      <PhoneAlert data={data} />
      {data.masked && <p role="status">{sayPhone(data.lang, sent, { phone: data.masked })}</p>}
      {data.masked && (
        <>
          <p class="field">
            <label for="code">{t.code}</label>
            <input
              id="code"
              name="code"
              type="text"
              inputmode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9 ]*"
              maxlength={12}
              required
              aria-invalid={wrong ? "true" : undefined}
              aria-describedby={wrong ? "form-error" : undefined}
              autofocus
            />
          </p>
          {data.smsAvailable && data.channel !== "sms" && <BotCheck data={data} />}
          <button type="submit" name="action" value="verify">{t.verify}</button>
          {data.smsAvailable && data.channel !== "sms" && (
            <button type="submit" name="action" value="sms" class="secondary">{t.smsInstead}</button>
          )}
        </>
      )}
    </AuthFormPage>
  );
}
