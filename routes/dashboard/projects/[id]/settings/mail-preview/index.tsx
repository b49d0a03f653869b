/**
 * GET /dashboard/projects/:id/settings/mail-preview?kind=&lang=: one of the project's mails as it would go now —
 * its own words (settings.mail_texts) or Astapa's, sample values, its brand — subject, text part and HTML part
 * (framed from ./html.ts). POST sends that mail to the signed-in developer's own address through the project's
 * outbox: a sandbox project's shows in its sandbox inbox, and with SMTP_URL it is delivered. Viewers preview;
 * admins send.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import type { Tx } from "@/db/client.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { parsedForm, type Refusal } from "@/lib/dashboard/form_action.ts";
import { getProject, type Project } from "@/db/projects.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { sendTestMail } from "@/db/billing.ts";
import { allows, withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { PreviewChoice, previewChoice, previewPath, projectPreview } from "@/lib/dashboard/mail_preview.ts";
import { composedPreview, type PreviewMail } from "@/lib/mail/previews.ts";
import { MAIL_TEXT_KINDS, type MailTextKind } from "@/lib/mail/own_texts.ts";
import { CsrfField, Frame, type FrameData, Notice } from "@/components/dashboard/Frame.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { mailKindAbout } from "@/components/dashboard/MailSettings.tsx";
import { chosenDashboardLang, fill } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_MAIL_TEXT } from "@/lib/dashboard/text/settings_mail.ts";
import { SETTINGS_TEXT } from "@/lib/dashboard/text/settings.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

type PreviewData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  choice: PreviewChoice;
  mail: PreviewMail;
  notice?: string;
  error?: string;
};

const SendForm = z.object({ csrf: z.string(), kind: z.string().max(64), lang: z.string().max(8) });

/** The frame in the developer's language: this page's `?lang=` is the previewed mail's, not the page's. */
function previewFrame(c: Ctx): FrameData {
  return { ...frameOf(c), lang: chosenDashboardLang(c) };
}

/** The page's data: the project, the member's role and the chosen mail as it would go. */
async function load(
  c: Ctx,
  tx: Tx,
  role: MemberRole,
  choice: PreviewChoice,
  refusal: Refusal = {},
): Promise<PreviewData> {
  const project = await getProject(tx, c.req.param("id")!);
  const sent = c.req.query("done") === "test_sent";
  const frame = previewFrame(c);
  return {
    frame,
    project,
    role,
    choice,
    mail: projectPreview(c, project, choice),
    ...(sent ? { notice: fill(SETTINGS_MAIL_TEXT[frame.lang].testSent, { email: frame.email }) } : {}),
    ...(refusal.error ? { error: refusal.error } : {}),
  };
}

const titleOf = (data: PreviewData) =>
  `${SETTINGS_MAIL_TEXT[data.frame.lang].previewTitle} · ${data.project.name}`;

export const handler: Handlers<PreviewData> = {
  GET: async (c) => {
    const choice = previewChoice(c);
    // The page (and a refusal's error page) in the developer's language, not the previewed mail's.
    c.set("dashboardLang", chosenDashboardLang(c));
    const data = await withProject(c, "viewer", (tx, role) => load(c, tx, role, choice));
    return page(data, { title: titleOf(data) });
  },
  POST: async (c) => {
    // A refusal in the developer's language, as the frame: never the `?lang=` of an address posted to.
    c.set("dashboardLang", chosenDashboardLang(c));
    const form = await parsedForm(c, SendForm);
    if (form.refusal) {
      // The preview again, of the kind and language posted where they are ones it knows (as `?kind=&lang=`).
      const choice = PreviewChoice.parse(form.posted);
      const data = await withProject(c, "viewer", (tx, role) => load(c, tx, role, choice, form.refusal));
      return page(data, { title: titleOf(data), status: 422 });
    }
    const choice = PreviewChoice.parse(form.body);
    const to = frameOf(c).email;
    const projectId = await withProject(c, "admin", async (tx, _role, projectId) => {
      // Unbranded here: the sender adds the brand, as it does to every mail.
      const project = await getProject(tx, projectId);
      const mail = composedPreview(choice.kind, choice.lang, project, c.var.deps.config.baseUrl);
      await sendTestMail(tx, projectId, {
        to,
        subject: `[Test] ${mail.subject}`,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
      });
      return projectId;
    });
    return c.redirect(`${previewPath(projectId, choice)}&done=test_sent`, 303);
  },
};

export default function MailPreviewPage({ data }: PageProps<PreviewData>) {
  const id = data.project.project_id;
  const base = `/dashboard/projects/${id}`;
  const kinds = Object.keys(MAIL_TEXT_KINDS) as MailTextKind[];
  const lang = data.frame.lang;
  const text = SETTINGS_MAIL_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: PROJECTS_TEXT[lang].title },
        { href: base, label: data.project.name },
        { href: `${base}/settings#mail-heading`, label: SETTINGS_TEXT[lang].title },
      ]}
      project={{ id, section: "settings" }}
    >
      <h1>{text.previewTitle}</h1>
      <Notice notice={data.notice} error={data.error} />
      <form method="get" action={`${base}/settings/mail-preview`} class="form inline-form">
        <label for="preview-kind">{text.previewMail}</label>
        <select id="preview-kind" name="kind">
          {kinds.map((kind) => (
            <option key={kind} value={kind} selected={kind === data.choice.kind}>
              {mailKindAbout(kind, lang)}
            </option>
          ))}
        </select>
        <label for="preview-lang">{text.previewLanguage}</label>
        <select id="preview-lang" name="lang">
          <option value="en" selected={data.choice.lang === "en"}>English</option>
          <option value="id" selected={data.choice.lang === "id"}>Bahasa Indonesia</option>
        </select>
        <button type="submit" class="button secondary">{text.show}</button>
      </form>
      <p class="muted">
        <Phrase
          text={text.previewExplained}
          parts={{ settings: <a href={`${base}/settings#mail-heading`}>{text.settingsMail}</a> }}
        />
      </p>
      <section class="card" aria-labelledby="preview-subject">
        <h2 id="preview-subject">{data.mail.subject}</h2>
        <h3>{text.textPart}</h3>
        <pre class="mail-text">{data.mail.text}</pre>
        <h3>{text.htmlPart}</h3>
        {data.mail.html
          ? (
            <iframe
              title={text.htmlFrame}
              src={previewPath(id, data.choice, "/html")}
              sandbox=""
              class="mail-frame"
              width="100%"
              height="560"
            />
          )
          : <p class="muted">{text.plainOnly}</p>}
      </section>
      {allows(data.role, "admin") && (
        <form method="post" action={`${base}/settings/mail-preview`} class="form">
          <CsrfField token={data.frame.csrf} />
          <input type="hidden" name="kind" value={data.choice.kind} />
          <input type="hidden" name="lang" value={data.choice.lang} />
          <button type="submit" class="button">{text.sendTest}</button>
          <p class="hint">
            <Phrase
              text={text.sendsTo}
              parts={{
                email: data.frame.email,
                inbox: data.project.mode === "sandbox"
                  ? (
                    <Phrase
                      text={text.inSandboxInbox}
                      parts={{ inbox: <a href={`${base}/sandbox-inbox`}>{text.sandboxInbox}</a> }}
                    />
                  )
                  : null,
              }}
            />
          </p>
        </form>
      )}
    </Frame>
  );
}
