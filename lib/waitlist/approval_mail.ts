/**
 * The mail an approved waitlist entry gets (docs/project-settings.md "Who may sign up"): a link through the app's
 * initiate_login_uri when the project's client has one (docs/hosted-login.md "Sign-ins the app did not start"),
 * else the project's hosted sign-up page for its own client and first redirect URI, with the address as
 * login_hint so the page shows the sign-up form filled in. In the language the person joined in (the hosted
 * page's, kept with the entry), and the link opens the page in it; an entry from before languages were kept gets
 * English, then Indonesian.
 */
import type { Project } from "@/db/projects.ts";
import type { Approval, ApprovalMail, WaitlistEntry } from "@/db/waitlist.ts";
import { startLink } from "@/lib/login/pending_login.ts";
import { brandOf } from "@/lib/branding/brand.ts";
import { inBothLanguages, type Wording } from "@/lib/mail/both_languages.ts";
import { escapeHtml as escape, mailDocument, WRAPPING } from "@/lib/mail/layout.ts";
import { ownMailTexts } from "@/lib/mail/own_texts.ts";

const WORDING = {
  en: (app: string) => ({
    subject: `You can now sign up for ${app}`,
    intro: `You asked to join ${app}: you're in. Create your account by opening this link:`,
    action: "Create your account",
    note: "Sign up with this email address. If you did not ask to join, ignore this message.",
  }),
  id: (app: string) => ({
    subject: `Anda sekarang bisa mendaftar di ${app}`,
    intro:
      `Anda meminta bergabung dengan ${app}: sekarang Anda bisa masuk. Buat akun Anda dengan membuka tautan ini:`,
    action: "Buat akun Anda",
    note: "Daftar dengan alamat email ini. Jika Anda tidak meminta bergabung, abaikan email ini.",
  }),
};

/**
 * The hosted sign-up page for the project's own client, its first redirect URI and `email`, in `lang` when known;
 * null without a redirect URI.
 */
export function waitlistSignUpLink(
  baseUrl: string,
  project: Project,
  email: string,
  lang: "en" | "id" | null = null,
): string | null {
  const redirectUri = project.redirect_uris[0];
  if (!redirectUri) return null;
  const params = new URLSearchParams({
    client_id: project.client_id,
    redirect_uri: redirectUri,
    login_hint: email,
  });
  if (lang) params.set("lang", lang);
  return `${baseUrl}/auth/signup?${params}`;
}

/** Astapa's words in `lang` with the project's own subject, intro and closing line where set. */
function wording(lang: "en" | "id", app: string, settings: Record<string, unknown>, link: string): Wording {
  const { closing, ...own } = ownMailTexts(settings, "waitlist_approved", lang, { app });
  const words = { ...WORDING[lang](app), ...own };
  return {
    subject: words.subject,
    text: `${words.intro}\n\n${link}\n\n${words.note}\n` + (closing ? `\n${closing}\n` : ""),
    html: `<p>${escape(words.intro)}</p><p><a href="${escape(link)}" style="background:#0b6e4f;color:#fff;` +
      `padding:10px 16px;border-radius:6px;text-decoration:none;display:inline-block">${
        escape(words.action)
      }</a>` +
      `</p><p style="color:#5d6068;font-size:13px;${WRAPPING}">${escape(link)}</p><p>${
        escape(words.note)
      }</p>` + (closing ? `<p>${escape(closing)}</p>` : ""),
  };
}

/**
 * The approval mail for `entry` and, when its link goes through the app's initiate_login_uri, the hash of the
 * link's /auth/start token (docs/hosted-login.md "Sign-ins the app did not start": the app starts the sign-in with
 * its own state and PKCE). Without one, the hosted sign-up page's link (null without a redirect URI either).
 */
export async function waitlistApproval(
  baseUrl: string,
  project: Project,
  entry: Pick<WaitlistEntry, "email" | "lang">,
): Promise<Approval | null> {
  if (typeof project.settings.initiate_login_uri !== "string") {
    const mail = waitlistApprovalMail(baseUrl, project, entry);
    return mail && { mail, startTokenHash: null };
  }
  const start = await startLink(baseUrl, project.project_id);
  return {
    mail: waitlistApprovalMail(baseUrl, project, entry, start.link)!,
    startTokenHash: start.tokenHash,
  };
}

/**
 * The approval mail for `entry` with `link`, by default the hosted sign-up page's (second best: the app's callback
 * gets a code it did not ask for, without its state); null when there is nothing to link to.
 */
export function waitlistApprovalMail(
  baseUrl: string,
  project: Project,
  entry: Pick<WaitlistEntry, "email" | "lang">,
  link = waitlistSignUpLink(baseUrl, project, entry.email, entry.lang),
): ApprovalMail | null {
  if (!link) return null;
  const app = brandOf({ id: project.project_id, name: project.name, settings: project.settings }).name;
  if (!entry.lang) {
    return inBothLanguages(
      "waitlist_approved",
      wording("en", app, project.settings, link),
      wording("id", app, project.settings, link),
    );
  }
  const words = wording(entry.lang, app, project.settings, link);
  return { template: "waitlist_approved", ...words, html: mailDocument(entry.lang, words.html!) };
}
