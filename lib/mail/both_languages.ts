/**
 * One mail in English, then Indonesian, for a person whose language the sender does not know (an administrator
 * acting on the dashboard): both subjects in the subject line, so the one they read is there in the inbox.
 */
export type Wording = { subject: string; text: string };

export function inBothLanguages(
  template: string,
  en: Wording,
  id: Wording,
): { template: string; subject: string; text: string } {
  return { template, subject: `${en.subject} / ${id.subject}`, text: `${en.text}\n---\n\n${id.text}` };
}
