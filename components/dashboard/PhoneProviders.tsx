/**
 * The Settings page's phone code providers (docs/phone.md): the project's own WhatsApp Cloud, Twilio Verify or
 * Zenziva account, sealed once saved and shown back only as a hint; without one the deployment's sends.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_PROVIDERS_TEXT } from "@/lib/dashboard/text/settings_providers.ts";

type Words = typeof SETTINGS_PROVIDERS_TEXT.en;
/** A field's label: a word of the catalogue, or the provider's own name for it (Account SID, Userkey…). */
type Field = { name: string; label: keyof Words | { own: string }; secret?: boolean; placeholder?: string };

const PROVIDERS: {
  id: "whatsapp_cloud" | "twilio_verify" | "zenziva";
  title: keyof Words;
  fields: Field[];
}[] = [
  {
    id: "whatsapp_cloud",
    title: "whatsappCloud",
    fields: [
      { name: "phone_number_id", label: "phoneNumberId", placeholder: "1234567890" },
      { name: "access_token", label: "accessToken", secret: true },
      { name: "template", label: "template", placeholder: "astapa_code" },
    ],
  },
  {
    id: "twilio_verify",
    title: "twilioVerify",
    fields: [
      { name: "account_sid", label: { own: "Account SID" }, placeholder: "AC…" },
      { name: "auth_token", label: "authToken", secret: true },
      { name: "service_sid", label: "serviceSid", placeholder: "VA…" },
    ],
  },
  {
    id: "zenziva",
    title: "zenziva",
    fields: [
      { name: "userkey", label: { own: "Userkey" }, secret: true },
      { name: "passkey", label: { own: "Passkey" }, secret: true },
    ],
  },
];

export function PhoneProviders(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const text = SETTINGS_PROVIDERS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="phone-providers-heading">
      <h2 id="phone-providers-heading">{text.phoneProviders}</h2>
      <p class="muted">{text.phoneExplained}</p>
      {PROVIDERS.map(({ id, title: titleKey, fields }) => {
        const title = text[titleKey];
        const stored = data.phoneProviders.find((p) => p.provider === id);
        return (
          <div key={id} class="provider">
            <h3>{title}</h3>
            <p data-phone-provider={id}>
              {stored ? fill(text.yourAccount, { hint: stored.hint }) : text.deploymentsAccount}
            </p>
            {canEdit && (
              <form method="post" action={`${base}/settings/phone-providers`} class="form">
                <CsrfField token={data.frame.csrf} />
                <input type="hidden" name="provider" value={id} />
                {fields.map((f) => (
                  <>
                    <label for={`${id}-${f.name}`}>
                      {typeof f.label === "string" ? text[f.label] : f.label.own}
                    </label>
                    {f.secret
                      ? <input id={`${id}-${f.name}`} name={f.name} type="password" autocomplete="off" />
                      : (
                        <input
                          id={`${id}-${f.name}`}
                          name={f.name}
                          type="text"
                          autocomplete="off"
                          placeholder={f.placeholder}
                        />
                      )}
                  </>
                ))}
                <div class="actions">
                  <button type="submit" name="action" value="save" class="button">
                    {fill(text.saveProvider, { title })}
                  </button>
                  {stored && (
                    <button type="submit" name="action" value="remove" class="button secondary">
                      {text.removeProvider}
                    </button>
                  )}
                </div>
              </form>
            )}
          </div>
        );
      })}
    </section>
  );
}
