/**
 * /account/phone: the code sent to the number the person is adding. Right → the number is theirs; SMS on
 * request; a readable message for a wrong, expired or refused code. No script needed.
 */
import type { Lang } from "@/lib/login/i18n.ts";
import { accountPhoneSay } from "@/lib/account/phone_i18n.ts";
import { PHONE_MESSAGES, type PhoneMessageKey, sayPhone } from "@/lib/phone/i18n.ts";

export type PhoneCodePageData = {
  lang: Lang;
  appName: string;
  query: string;
  csrf: string;
  masked: string;
  channel: "whatsapp" | "sms";
  smsAvailable: boolean;
  error?: PhoneMessageKey;
  wait?: number;
  left?: number;
};

export function PhoneCodePage({ data }: { data: PhoneCodePageData }) {
  const { lang } = data;
  const words = PHONE_MESSAGES[lang];
  const other = lang === "en" ? "id" : "en";
  const hidden = (action: string) => (
    <>
      <input type="hidden" name="request" value={data.query} />
      <input type="hidden" name="csrf" value={data.csrf} />
      <input type="hidden" name="action" value={action} />
    </>
  );
  return (
    <section class="card auth account" lang={lang} aria-labelledby="phone-code-heading">
      <p class="eyebrow">{data.appName}</p>
      <h1 id="phone-code-heading">{accountPhoneSay(lang, "phoneCodeTitle")}</h1>
      {data.error && (
        <p class="alert" role="alert" id="form-error" tabindex={-1} autofocus>
          {sayPhone(lang, data.error, { wait: data.wait, left: data.left })}
        </p>
      )}
      <p role="status">
        {accountPhoneSay(lang, "phoneCodeIntro", {
          phone: data.masked,
          channel: data.channel === "sms" ? "SMS" : "WhatsApp",
        })}
      </p>
      <form method="post" action={`/account/phone?lang=${lang}`}>
        {hidden("verify")}
        <p class="field">
          <label for="code">{words.code}</label>
          <input
            id="code"
            name="code"
            type="text"
            inputmode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9 ]*"
            maxlength={12}
            required
            aria-invalid={data.error === "wrongCode" ? "true" : undefined}
            aria-describedby={data.error ? "form-error" : undefined}
            autofocus={!data.error}
          />
        </p>
        <p>
          <button type="submit">{words.verify}</button>
        </p>
      </form>
      {data.smsAvailable && data.channel !== "sms" && (
        <form method="post" action={`/account/phone?lang=${lang}`}>
          {hidden("sms")}
          <button type="submit" class="secondary">{words.smsInstead}</button>
        </form>
      )}
      <p>
        <a href={`/account?${data.query}&lang=${lang}#phone`}>{accountPhoneSay(lang, "back")}</a>
      </p>
      <p class="muted lang-switch">
        <a href={`/account/phone?${data.query}&lang=${other}`} hreflang={other}>
          {lang === "en" ? "Bahasa Indonesia" : "English"}
        </a>
      </p>
    </section>
  );
}
