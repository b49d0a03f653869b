/**
 * The Settings page's "Mail" card: the sender name, the from address (on a domain the deployment may send
 * for; else MAIL_FROM's), and the
 * subject and intro of the verification and reset mail in English and Bahasa Indonesia (empty: Astapa's
 * wording). Viewers read the values; admins change them.
 */
import { CsrfField } from "./Frame.tsx";
import type { SettingsData } from "@/lib/dashboard/page_data.ts";

type Kind = "verify_email" | "reset_password";
export type MailTextField = { kind: Kind; lang: "en" | "id"; part: "subject" | "intro" };

const KINDS: { kind: Kind; label: string }[] = [
  { kind: "verify_email", label: "Email confirmation" },
  { kind: "reset_password", label: "Password reset" },
];
const LANGS = [{ lang: "en", label: "English" }, { lang: "id", label: "Bahasa Indonesia" }] as const;

export const MAIL_TEXT_FIELDS: MailTextField[] = KINDS.flatMap(({ kind }) =>
  LANGS.flatMap(({ lang }) => (["subject", "intro"] as const).map((part) => ({ kind, lang, part })))
);

/** The form field's name: `verify_email.en.subject`. */
export const mailTextField = (f: MailTextField) => `${f.kind}.${f.lang}.${f.part}`;

export function MailSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const settings = data.project.settings;
  const texts = (settings.mail_texts ?? {}) as Record<string, Record<string, Record<string, string>>>;
  const senderName = typeof settings.mail_sender_name === "string" ? settings.mail_sender_name : "";
  const fromAddress = typeof settings.mail_from_address === "string" ? settings.mail_from_address : "";
  return (
    <section class="card" aria-labelledby="mail-heading">
      <h2 id="mail-heading">Mail</h2>
      <p class="muted">
        How the confirmation and reset mail reads. Leave a field empty for Astapa's wording; the link and the
        note on how long it works are always added.
      </p>
      <form method="post" action={`${base}/settings/mail`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="mail_sender_name">Sender name</label>
        <input
          id="mail_sender_name"
          name="mail_sender_name"
          maxLength={80}
          value={senderName}
          placeholder="The deployment's (MAIL_FROM)"
          disabled={!canEdit}
        />
        <label for="mail_from_address">From address</label>
        <input
          id="mail_from_address"
          name="mail_from_address"
          type="email"
          maxLength={254}
          value={fromAddress}
          aria-describedby="mail_from_address-hint"
          disabled={!canEdit}
        />
        <p id="mail_from_address-hint" class="hint">
          Empty: the deployment's address. Otherwise an address at {data.mailFromDomains.length === 1
            ? <code>{data.mailFromDomains[0]}</code>
            : data.mailFromDomains.map((domain, i) => (
              <>
                {i > 0 && ", "}
                <code>{domain}</code>
              </>
            ))}: the domains whose SPF and DKIM let this deployment's mail server send for them
          (MAIL_FROM_DOMAINS). Any other domain would land in spam or be refused.
        </p>
        {KINDS.map(({ kind, label }) => (
          <fieldset key={kind}>
            <legend>{label}</legend>
            {LANGS.map(({ lang, label: language }) =>
              (["subject", "intro"] as const).map((part) => {
                const name = mailTextField({ kind, lang, part });
                return (
                  <div class="field" key={name}>
                    <label for={name}>{`${part === "subject" ? "Subject" : "Intro"} (${language})`}</label>
                    <input
                      id={name}
                      name={name}
                      lang={lang}
                      maxLength={part === "subject" ? 150 : 300}
                      value={texts[kind]?.[lang]?.[part] ?? ""}
                      disabled={!canEdit}
                    />
                  </div>
                );
              })
            )}
          </fieldset>
        ))}
        {canEdit && <button type="submit" class="button">Save mail</button>}
      </form>
    </section>
  );
}
