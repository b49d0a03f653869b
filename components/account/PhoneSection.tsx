/**
 * The account page's phone number section: the verified number (or none), and a form to add or change it —
 * the number gets a code by WhatsApp (or SMS) and counts only once the code is typed on /account/phone.
 */
import type { Lang } from "@/lib/login/i18n.ts";
import type { PhoneSectionData } from "@/lib/account/phone.ts";
import { accountPhoneSay, goodPhoneOutcome, phoneOutcomeSay } from "@/lib/account/phone_i18n.ts";
import { PHONE_MESSAGES } from "@/lib/phone/i18n.ts";

type Props = { lang: Lang; query: string; csrf: string; phone: PhoneSectionData };

export function PhoneSection({ lang, query, csrf, phone }: Props) {
  const t = (key: Parameters<typeof accountPhoneSay>[1], values: Record<string, string> = {}) =>
    accountPhoneSay(lang, key, values);
  const words = PHONE_MESSAGES[lang];
  const problem = phone.outcome && !goodPhoneOutcome(phone.outcome);
  return (
    <section class="account-section" id="phone" aria-labelledby="phone-heading">
      <h2 id="phone-heading">{t("phoneTitle")}</h2>
      {phone.outcome && goodPhoneOutcome(phone.outcome) && (
        <p class="notice" role="status">{phoneOutcomeSay(lang, phone.outcome)}</p>
      )}
      {problem && (
        <p class="alert" role="alert" id="phone-error">{phoneOutcomeSay(lang, phone.outcome!, phone.wait)}</p>
      )}
      <p>{phone.current ? t("phoneCurrent", { phone: phone.current }) : t("phoneNone")}</p>
      {phone.factor && phone.current && (
        <form method="post" action={`/account/phone?lang=${lang}`}>
          <input type="hidden" name="request" value={query} />
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="action" value={phone.factor.on ? "factor_off" : "factor_on"} />
          <p>
            {t("phoneFactor", { state: t(phone.factor.on ? "phoneFactorOnState" : "phoneFactorOffState") })}
            {" "}
            <button type="submit" class="secondary">
              {t(phone.factor.on ? "phoneFactorTurnOff" : "phoneFactorTurnOn")}
            </button>
          </p>
        </form>
      )}
      {phone.addable && (
        <form method="post" action={`/account/phone?lang=${lang}`}>
          <input type="hidden" name="request" value={query} />
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="action" value="start" />
          <p class="muted">{t("phoneIntro")}</p>
          <p class="field">
            <label for="new-phone">{t("newPhone")}</label>
            <input
              id="new-phone"
              name="phone"
              type="tel"
              inputmode="tel"
              autocomplete="tel"
              required
              maxlength={40}
              aria-invalid={problem ? "true" : undefined}
              aria-describedby={problem ? "new-phone-hint phone-error" : "new-phone-hint"}
            />
            <span class="hint" id="new-phone-hint">{words.phoneHint}</span>
          </p>
          <p>
            <button type="submit" name="channel" value="whatsapp">
              {phone.current ? t("changePhone") : t("addPhone")} — WhatsApp
            </button>{" "}
            {phone.smsAvailable && (
              <button type="submit" name="channel" value="sms" class="secondary">
                {phone.current ? t("changePhone") : t("addPhone")} — SMS
              </button>
            )}
          </p>
        </form>
      )}
    </section>
  );
}
