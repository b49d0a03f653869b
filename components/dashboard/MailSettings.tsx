/**
 * The Settings page's "Mail" card: the sender name, the from address (on a domain the deployment may send
 * for; else MAIL_FROM's), and for every mail of the registry (lib/mail/own_texts.ts) its subject, intro and
 * closing line in English and Bahasa Indonesia (empty: Astapa's wording), each kind with its placeholders and
 * a link to its preview. Viewers read the values; admins change them.
 */
import { CsrfField } from "./Frame.tsx";
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import {
  MAIL_TEXT_KINDS,
  MAIL_TEXT_LIMITS,
  MAIL_TEXT_PARTS,
  type MailTextKind,
  type MailTextPart,
} from "@/lib/mail/own_texts.ts";

export type MailTextField = { kind: MailTextKind; lang: "en" | "id"; part: MailTextPart };

const KINDS = Object.keys(MAIL_TEXT_KINDS) as MailTextKind[];
const LANGS = [{ lang: "en", label: "English" }, { lang: "id", label: "Bahasa Indonesia" }] as const;
const PART_LABELS: Record<MailTextPart, string> = {
  subject: "Subject",
  intro: "Intro",
  closing: "Closing line",
};

export const MAIL_TEXT_FIELDS: MailTextField[] = KINDS.flatMap((kind) =>
  LANGS.flatMap(({ lang }) => MAIL_TEXT_PARTS.map((part) => ({ kind, lang, part })))
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
        How each mail to your users reads. Leave a field empty for Astapa's wording. Placeholders such as{" "}
        <code>{"{app}"}</code>{" "}
        are replaced by their value as plain text; the link or code, and the note on how long it works and
        what to do if the person did not ask, are always Astapa's and cannot be removed.
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
        {KINDS.map((kind) => {
          const own = texts[kind] ?? {};
          return (
            <fieldset key={kind}>
              <legend>{MAIL_TEXT_KINDS[kind].about}</legend>
              <p class="hint">
                Placeholders: {MAIL_TEXT_KINDS[kind].placeholders.map((p) => `{${p}}`).join(", ")} · Preview:
                {" "}
                <a href={`${base}/settings/mail-preview?kind=${kind}&lang=en`}>English</a>,{" "}
                <a href={`${base}/settings/mail-preview?kind=${kind}&lang=id`}>Bahasa Indonesia</a>
              </p>
              {LANGS.map(({ lang, label: language }) =>
                MAIL_TEXT_PARTS.map((part) => {
                  const name = mailTextField({ kind, lang, part });
                  return (
                    <div class="field" key={name}>
                      <label for={name}>{`${PART_LABELS[part]} (${language})`}</label>
                      <input
                        id={name}
                        name={name}
                        lang={lang}
                        maxLength={MAIL_TEXT_LIMITS[part]}
                        value={own[lang]?.[part] ?? ""}
                        disabled={!canEdit}
                      />
                    </div>
                  );
                })
              )}
            </fieldset>
          );
        })}
        {canEdit && <button type="submit" class="button">Save mail</button>}
      </form>
    </section>
  );
}
