/**
 * The billing mails (renewal notices, trial reminders, receipts) go in English and Indonesian in one mail: the
 * billing worker does not know the person's language. Each language's half is the project's own intro
 * (settings.mail_texts) or Astapa's sentence, then what only Astapa writes (the pay link, the amounts), then the
 * project's closing; the subject joins both languages' subjects.
 */
import { escapeHtml, mailDocument } from "@/lib/mail/layout.ts";
import { type MailTextKind, type MailTextValues, ownMailTexts } from "@/lib/mail/own_texts.ts";

export type Lang = "en" | "id";

/** Whose words: the project's name (`{app}`) and settings (its mail_texts). Absent: Astapa's own words. */
export type OwnWording = { appName: string; settings?: Record<string, unknown> };

/** One language's half: subject, intro and closing (absent unless the project wrote one). */
export type Half = { lang: Lang; subject: string; intro: string; closing?: string };

export const LANGS: readonly Lang[] = ["en", "id"];

/** The date the way each language writes it (3 December 2026 / 3 Desember 2026). */
export function longDate(iso: string, lang: Lang): string {
  return new Date(iso).toLocaleDateString(lang === "en" ? "en-GB" : "id-ID", {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });
}

/** Whole rupiah, written the Indonesian way in both languages (IDR 1.250.000). */
export function idr(amount: number): string {
  return `IDR ${amount.toLocaleString("id-ID")}`;
}

/** Both halves: the project's words where it has them for `kind`, else `astapas(lang)`. */
export function halves(
  own: OwnWording | undefined,
  kind: MailTextKind,
  values: (lang: Lang) => Omit<MailTextValues, "app">,
  astapas: (lang: Lang) => { subject: string; intro: string },
): Half[] {
  return LANGS.map((lang) => {
    const theirs = own
      ? ownMailTexts(own.settings, kind, lang, { app: own.appName, ...values(lang) } as MailTextValues)
      : {};
    const ours = astapas(lang);
    return {
      lang,
      subject: theirs.subject ?? ours.subject,
      intro: theirs.intro ?? ours.intro,
      ...(theirs.closing ? { closing: theirs.closing } : {}),
    };
  });
}

/** "English subject / Indonesian subject". */
export function bothSubjects(parts: Half[]): string {
  return parts.map((half) => half.subject).join(" / ");
}

/** A half as HTML paragraphs: `lines` (intro first) then the link, then the closing; all escaped. */
export function htmlHalf(half: Half, lines: string[], link?: string): string {
  const linked = link ? `<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a>` : "";
  const body = lines.map((line, i) => `<p>${escapeHtml(line)}${i === lines.length - 1 ? linked : ""}</p>`);
  const closing = half.closing ? `<p>${escapeHtml(half.closing)}</p>` : "";
  return `<div lang="${half.lang}">${body.join("")}${closing}</div>`;
}

/** A half as plain text: `lines`, the link, the closing. */
export function textHalf(half: Half, lines: string[], link?: string): string {
  return [...lines, ...(link ? [link] : []), ...(half.closing ? ["", half.closing] : [])].join("\n");
}

/**
 * A pay-link mail's text and HTML: each half's intro (after `failedNote`, Astapa's words about a charge that
 * failed, when there is one), the link, the closing.
 */
export function payLinkBody(
  parts: Half[],
  payUrl: string,
  failedNote?: (lang: Lang) => string,
): { text: string; html: string } {
  const lines = (half: Half) => [failedNote ? `${failedNote(half.lang)} ${half.intro}` : half.intro];
  return {
    text: parts.map((half) => textHalf(half, lines(half), payUrl)).join("\n\n") + "\n",
    html: mailDocument(null, parts.map((half) => htmlHalf(half, lines(half), payUrl)).join("")),
  };
}
