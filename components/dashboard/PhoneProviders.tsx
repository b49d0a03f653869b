/**
 * The Settings page's phone code providers (docs/phone.md): the project's own WhatsApp Cloud, Twilio Verify or
 * Zenziva account, sealed once saved and shown back only as a hint; without one the deployment's sends.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";

type Field = { name: string; label: string; secret?: boolean; placeholder?: string };

const PROVIDERS: { id: "whatsapp_cloud" | "twilio_verify" | "zenziva"; title: string; fields: Field[] }[] = [
  {
    id: "whatsapp_cloud",
    title: "WhatsApp Cloud API (Meta)",
    fields: [
      { name: "phone_number_id", label: "Phone number id", placeholder: "1234567890" },
      { name: "access_token", label: "Access token", secret: true },
      {
        name: "template",
        label: "Authentication template (empty: the deployment's)",
        placeholder: "astapa_code",
      },
    ],
  },
  {
    id: "twilio_verify",
    title: "Twilio Verify (WhatsApp and SMS)",
    fields: [
      { name: "account_sid", label: "Account SID", placeholder: "AC…" },
      { name: "auth_token", label: "Auth token", secret: true },
      { name: "service_sid", label: "Verify service SID", placeholder: "VA…" },
    ],
  },
  {
    id: "zenziva",
    title: "Zenziva (SMS)",
    fields: [
      { name: "userkey", label: "Userkey", secret: true },
      { name: "passkey", label: "Passkey", secret: true },
    ],
  },
];

export function PhoneProviders(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  return (
    <section class="card" aria-labelledby="phone-providers-heading">
      <h2 id="phone-providers-heading">Phone code providers</h2>
      <p class="muted">
        Send this project's WhatsApp and SMS codes through your own account. A channel your account covers is
        sent by it; the rest by this deployment's providers. Saved credentials are sealed and never shown
        again.
      </p>
      {PROVIDERS.map(({ id, title, fields }) => {
        const stored = data.phoneProviders.find((p) => p.provider === id);
        return (
          <div key={id} class="provider">
            <h3>{title}</h3>
            <p data-phone-provider={id}>
              {stored ? `Your account: ${stored.hint}.` : "Not set: the deployment's."}
            </p>
            {canEdit && (
              <form method="post" action={`${base}/settings/phone-providers`} class="form">
                <CsrfField token={data.frame.csrf} />
                <input type="hidden" name="provider" value={id} />
                {fields.map((f) => (
                  <>
                    <label for={`${id}-${f.name}`}>{f.label}</label>
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
                  <button type="submit" name="action" value="save" class="button">Save {title}</button>
                  {stored && (
                    <button type="submit" name="action" value="remove" class="button secondary">
                      Remove (use the deployment's)
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
