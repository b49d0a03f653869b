/**
 * The one HTML frame of every mail Astapa sends: at most 600 px wide (centred on wide screens, the full width
 * of a phone), system fonts, no remote images but the project's own logo from this deployment (added by the
 * sender, lib/branding/mail.ts), and long links that wrap instead of widening the mail.
 */

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Inline style for a link printed as text: it breaks anywhere, so a phone never scrolls sideways. */
export const WRAPPING = "word-break:break-all;overflow-wrap:anywhere";

/**
 * A whole mail document around `inner` (already escaped HTML). `lang` marks the language (the outbox reads it
 * as the mail's locale); null for a mail in two languages.
 */
export function mailDocument(lang: string | null, inner: string): string {
  return `<!doctype html><html${lang ? ` lang="${escapeHtml(lang)}"` : ""}>` +
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
    `<body style="margin:0;padding:0;background:#f6f7f9">` +
    `<div style="box-sizing:border-box;max-width:600px;width:100%;margin:0 auto;padding:16px;background:#fff;` +
    `font-family:system-ui,sans-serif;line-height:1.5;color:#1d1f24;${WRAPPING}">` +
    // Where the sender puts the project's name, logo and support address (lib/branding/mail.ts).
    `<!--astapa:brand-header-->${inner}<!--astapa:brand-footer--></div></body></html>`;
}
