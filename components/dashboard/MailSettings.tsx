/**
 * The Settings page's "Mail" card: the sender name, the from address (on a domain the deployment may send
 * for; else MAIL_FROM's), and for every mail of the registry (lib/mail/own_texts.ts) its subject, intro and
 * closing line in English and Bahasa Indonesia (empty: Astapa's wording), each kind with its placeholders and
 * a link to its preview. Viewers read the values; admins change them.
 */
import { CsrfField } from "./Frame.tsx";
import { Phrase } from "./Phrase.tsx";
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { MAIL_KIND_ABOUT_ID, SETTINGS_MAIL_TEXT } from "@/lib/dashboard/text/settings_mail.ts";
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
const PART_LABELS = {
  subject: "partSubject",
  intro: "partIntro",
  closing: "partClosing",
} as const satisfies Record<
  MailTextPart,
  keyof typeof SETTINGS_MAIL_TEXT.en
>;

/** What a kind of mail is, in the page's language. */
export const mailKindAbout = (kind: MailTextKind, lang: Lang) =>
  lang === "id" ? MAIL_KIND_ABOUT_ID[kind] : MAIL_TEXT_KINDS[kind].about;

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
  const lang = data.frame.lang;
  const text = SETTINGS_MAIL_TEXT[lang];
  const domains = data.mailFromDomains.map((domain, i) => (
    <>
      {i > 0 && ", "}
      <code>{domain}</code>
    </>
  ));
  return (
    <section class="card" aria-labelledby="mail-heading">
      <h2 id="mail-heading">{text.mail}</h2>
      <p class="muted">
        <Phrase text={text.explained} parts={{ example: <code>{"{app}"}</code> }} />
      </p>
      <form method="post" action={`${base}/settings/mail`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="mail_sender_name">{text.senderName}</label>
        <input
          id="mail_sender_name"
          name="mail_sender_name"
          maxLength={80}
          value={senderName}
          placeholder={text.senderNamePlaceholder}
          disabled={!canEdit}
        />
        <label for="mail_from_address">{text.fromAddress}</label>
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
          <Phrase text={text.fromAddressHint} parts={{ domains }} />
        </p>
        {KINDS.map((kind) => {
          const own = texts[kind] ?? {};
          return (
            <fieldset key={kind}>
              <legend>{mailKindAbout(kind, lang)}</legend>
              <p class="hint">
                <Phrase
                  text={text.placeholders}
                  parts={{
                    list: MAIL_TEXT_KINDS[kind].placeholders.map((p) => `{${p}}`).join(", "),
                    links: (
                      <>
                        <a href={`${base}/settings/mail-preview?kind=${kind}&lang=en`}>English</a>,{" "}
                        <a href={`${base}/settings/mail-preview?kind=${kind}&lang=id`}>Bahasa Indonesia</a>
                      </>
                    ),
                  }}
                />
              </p>
              {LANGS.map(({ lang, label: language }) =>
                MAIL_TEXT_PARTS.map((part) => {
                  const name = mailTextField({ kind, lang, part });
                  return (
                    <div class="field" key={name}>
                      <label for={name}>{`${text[PART_LABELS[part]]} (${language})`}</label>
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
        {canEdit && <button type="submit" class="button">{text.saveMail}</button>}
      </form>
    </section>
  );
}
