/**
 * The SDK's mail texts (`astapa.mailTexts`): the project's own subject, intro
 * and closing line of each mail Astapa sends its people, per language, as the
 * dashboard's Settings → Mail sets them, through the Platform API. The link, the
 * code and the security note of each mail stay Astapa's.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

/** One mail's own words in one language; an absent part keeps Astapa's. */
export type MailText = { subject?: string; intro?: string; closing?: string };

/** `{kind: {en|id: MailText}}`, e.g. `{email_code: {id: {subject: "Kode {code}"}}}`. */
export type MailTextSet = Record<string, Partial<Record<"en" | "id", MailText>>>;

export type MailTexts = {
  mail_texts: MailTextSet;
  /** Every kind a project may word, what it is, and its placeholders. */
  kinds: Record<string, { about: string; placeholders: string[] }>;
  languages: string[];
};

export function mailTexts(json: Json) {
  const path = "/api/platform/mail-texts";
  return {
    /** The texts, the kinds and their placeholders. */
    get: () => json<MailTexts>(path),
    /**
     * Replaces the whole set (null or {}: Astapa's words everywhere); refused
     * as a whole, with the reason, when a text is not one line, too long, or
     * uses a placeholder its kind does not have.
     */
    update: (texts: MailTextSet | null) => json<MailTexts>(path, "PATCH", { mail_texts: texts }),
  };
}
