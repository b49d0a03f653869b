/**
 * One mail in English, then Indonesian, for a person whose language the sender does not know (an administrator
 * acting on the dashboard): both subjects in the subject line, so the one they read is there in the inbox.
 */
import { mailDocument } from "./layout.ts";

/** One language's words; `html`, when given, is the inner HTML of the body, already escaped. */
export type Wording = { subject: string; text: string; html?: string };

export function inBothLanguages(
  template: string,
  en: Wording,
  id: Wording,
): { template: string; subject: string; text: string; html?: string } {
  return {
    template,
    subject: `${en.subject} / ${id.subject}`,
    text: `${en.text}\n---\n\n${id.text}`,
    // One document marked with no language: the outbox then reads it as both.
    ...(en.html && id.html ? { html: mailDocument(null, `${en.html}<hr>${id.html}`) } : {}),
  };
}
