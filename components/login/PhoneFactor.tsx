/**
 * The phone step of /auth/mfa: "send a code to +62 •••• 7890" by WhatsApp or SMS, then the code field (with
 * "send it by SMS instead"). Plain forms, no script; the code input is autocomplete="one-time-code".
 */
import type { ComponentChildren } from "preact";
import type { SecondFactorData } from "./SecondFactor.tsx";
import type { PhoneFactorView } from "@/lib/login/factors/phone_step.ts";
import { sayPhoneFactor } from "@/lib/login/factors/phone_i18n.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { PHONE_MESSAGES } from "@/lib/phone/i18n.ts";

type Props = {
  data: SecondFactorData;
  phone: PhoneFactorView;
  invalid: boolean;
  form: (method: string, children: ComponentChildren) => ComponentChildren;
  code: ComponentChildren;
  remember: ComponentChildren;
  /** Another way: a passkey (the page's own) or setting up an app. */
  appHref: string;
  appLabel: string;
};

export function PhoneFactor({ data, phone, form, code, remember, appHref, appLabel }: Props) {
  const say = (key: Parameters<typeof sayPhoneFactor>[1]) =>
    sayPhoneFactor(data.lang, key, {
      phone: phone.masked,
      channel: phone.sent === "sms" ? "SMS" : "WhatsApp",
    });
  const send = (channel: "whatsapp" | "sms", label: string, secondary = false) =>
    form(
      "phone_send",
      <button type="submit" name="channel" value={channel} class={secondary ? "secondary" : undefined}>
        {label}
      </button>,
    );
  return (
    <>
      {phone.notice && <p class="alert" role="alert">{phone.notice}</p>}
      {phone.adding && !phone.sent && (
        <>
          <p>{say("phoneFactorAddIntro")}</p>
          <NumberForm data={data} phone={phone} form={form} />
        </>
      )}
      {phone.adding && !phone.sent ? null : phone.sent
        ? (
          <>
            <p role="status">{say("phoneFactorSent")}</p>
            {form(
              "phone",
              <>
                {code}
                {remember}
                <button type="submit">{MESSAGES[data.lang].mfaVerify}</button>
              </>,
            )}
            {phone.smsAvailable && phone.sent === "whatsapp" &&
              send("sms", say("phoneFactorSmsInstead"), true)}
            {phone.sent === "sms" && send("sms", say("phoneFactorNew"), true)}
            {phone.adding && (
              <details>
                <summary>{say("phoneFactorOther")}</summary>
                <NumberForm data={data} phone={phone} form={form} />
              </details>
            )}
          </>
        )
        : (
          <>
            <p>{say("phoneFactorIntro")}</p>
            {send("whatsapp", say("phoneFactorWhatsApp"))}
            {phone.smsAvailable && send("sms", say("phoneFactorSms"), true)}
          </>
        )}
      <p>
        <a href={appHref}>{appLabel}</a>
      </p>
    </>
  );
}

/**
 * The number a person adding one types (autocomplete="tel"), and "send by WhatsApp" (and by SMS): one form, the
 * button pressed names the channel.
 */
function NumberForm({ data, phone, form }: Pick<Props, "data" | "phone" | "form">) {
  const words = PHONE_MESSAGES[data.lang];
  return (
    <>
      {form(
        "phone_send",
        <>
          <p class="field">
            <label for="factor-phone">{words.phoneNumber}</label>
            <input
              id="factor-phone"
              name="phone"
              type="tel"
              inputmode="tel"
              autocomplete="tel"
              required
              maxlength={40}
              aria-describedby="factor-phone-hint"
              autofocus={!phone.sent}
            />
            <span class="hint" id="factor-phone-hint">{words.phoneHint}</span>
          </p>
          <p>
            <button type="submit" name="channel" value="whatsapp">{words.sendWhatsApp}</button>{" "}
            {phone.smsAvailable && (
              <button type="submit" name="channel" value="sms" class="secondary">{words.sendSms}</button>
            )}
          </p>
        </>,
      )}
    </>
  );
}

/**
 * "Or get a code on your phone", beside an app's code or a passkey, for someone with a phone factor; for someone
 * setting one up without a verified number, "or get codes on your phone" (they type the number next).
 */
export function UsePhoneLink({ data, href }: { data: SecondFactorData; href: string }) {
  if (!data.phone) return null;
  return (
    <p>
      <a href={href}>
        {data.phone.adding
          ? sayPhoneFactor(data.lang, "phoneFactorAddLink")
          : sayPhoneFactor(data.lang, "phoneFactorOr", { phone: data.phone.masked })}
      </a>
    </p>
  );
}
