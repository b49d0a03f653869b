/**
 * A project's brand on its mail, applied where every mail passes: the sender (lib/mail/sender.ts), just before
 * delivery. The HTML gets the project's name and logo on top, its support address and links at the bottom and
 * its colour on the action button (white text on it passes WCAG AA: SQL refuses other colours); the text part
 * gets the same footer. Mail built by lib/mail/layout.ts marks where these go; other HTML gets them at the
 * edges of its body.
 */
import { escapeHtml as escape } from "@/lib/mail/layout.ts";
import type { Brand } from "./brand.ts";

export const BRAND_HEADER_SLOT = "<!--astapa:brand-header-->";
export const BRAND_FOOTER_SLOT = "<!--astapa:brand-footer-->";
/** The button colour mail is written with; the brand colour replaces it. */
export const MAIL_ACCENT = "#0b6e4f";

const WORDS = {
  en: { support: "Help", terms: "Terms", privacy: "Privacy" },
  id: { support: "Bantuan", terms: "Ketentuan", privacy: "Privasi" },
};

export type BrandedMail = { text: string; html: string | null; replyTo?: string };

function header(brand: Brand, baseUrl: string | undefined): string {
  const logo = brand.logo && baseUrl
    ? `<img src="${escape(baseUrl + brand.logo.url)}" alt="" height="48" ` +
      `style="display:block;margin:0 auto 8px;max-height:48px;width:auto;border:0">`
    : "";
  return `<div style="text-align:center;margin:0 0 16px">${logo}` +
    `<div style="font-weight:600;font-size:18px">${escape(brand.name)}</div></div>`;
}

function footerLines(brand: Brand, lang: "en" | "id"): [string, string][] {
  const w = WORDS[lang];
  return [
    ...(brand.supportEmail ? [[w.support, brand.supportEmail] as [string, string]] : []),
    ...(brand.termsUrl ? [[w.terms, brand.termsUrl] as [string, string]] : []),
    ...(brand.privacyUrl ? [[w.privacy, brand.privacyUrl] as [string, string]] : []),
  ];
}

function footer(brand: Brand, lang: "en" | "id"): string {
  const links = footerLines(brand, lang).map(([label, target]) => {
    const href = target.includes("@") && !target.includes("/") ? `mailto:${target}` : target;
    return `${escape(label)}: <a href="${escape(href)}" style="color:#5d6068">${escape(target)}</a>`;
  });
  return `<p style="margin-top:24px;color:#5d6068;font-size:13px">${escape(brand.name)}` +
    `${links.length ? `<br>${links.join("<br>")}` : ""}</p>`;
}

/**
 * The mail's text and HTML with the project's brand, and its support address to reply to. The footer's
 * language is the HTML's (or `locale`, for a mail shown without its HTML).
 */
export function brandMail(
  mail: { body_text: string; body_html: string | null; locale?: string | null },
  brand: Brand,
  baseUrl?: string,
): BrandedMail {
  const lang = mail.body_html
    ? /<html[^>]*\slang="id"/.test(mail.body_html) ? "id" : "en"
    : mail.locale?.startsWith("id")
    ? "id"
    : "en";
  const lines = footerLines(brand, lang).map(([label, target]) => `${label}: ${target}`);
  const text = `${mail.body_text.replace(/\s+$/, "")}\n\n--\n${[brand.name, ...lines].join("\n")}\n`;
  let html = mail.body_html;
  if (html) {
    const top = header(brand, baseUrl);
    const bottom = footer(brand, lang);
    html = html.includes(BRAND_HEADER_SLOT)
      ? html.replace(BRAND_HEADER_SLOT, top).replace(BRAND_FOOTER_SLOT, bottom)
      : html.replace(/(<body[^>]*>)/i, `$1${top}`).replace(/(<\/body>)/i, `${bottom}$1`);
    if (brand.color) html = html.replaceAll(`background:${MAIL_ACCENT}`, `background:${brand.color}`);
  }
  return { text, html, ...(brand.supportEmail ? { replyTo: brand.supportEmail } : {}) };
}
