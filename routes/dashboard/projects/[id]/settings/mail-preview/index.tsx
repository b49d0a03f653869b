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
import { readBody } from "@/lib/http/body.ts";
import { getProject, type Project } from "@/db/projects.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { sendTestMail } from "@/db/billing.ts";
import { allows, withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { PreviewChoice, previewChoice, previewPath, projectPreview } from "@/lib/dashboard/mail_preview.ts";
import { composedPreview, type PreviewMail } from "@/lib/mail/previews.ts";
import { MAIL_TEXT_KINDS, type MailTextKind } from "@/lib/mail/own_texts.ts";
import { CsrfField, Frame, type FrameData, Notice } from "@/components/dashboard/Frame.tsx";

type PreviewData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  choice: PreviewChoice;
  mail: PreviewMail;
  notice?: string;
};

const SendForm = z.object({ csrf: z.string(), kind: z.string().max(64), lang: z.string().max(8) });

/** The page's data: the project, the member's role and the chosen mail as it would go. */
async function load(
  c: Ctx,
  tx: Tx,
  role: MemberRole,
  choice: PreviewChoice,
): Promise<PreviewData> {
  const project = await getProject(tx, c.req.param("id")!);
  const sent = c.req.query("done") === "test_sent";
  return {
    frame: frameOf(c),
    project,
    role,
    choice,
    mail: projectPreview(c, project, choice),
    ...(sent ? { notice: `A test of this mail was sent to ${frameOf(c).email}.` } : {}),
  };
}

export const handler: Handlers<PreviewData> = {
  GET: async (c) => {
    const choice = previewChoice(c);
    const data = await withProject(c, "viewer", (tx, role) => load(c, tx, role, choice));
    return page(data, { title: `Mail preview · ${data.project.name}` });
  },
  POST: async (c) => {
    const form = await readBody(c, SendForm, ["form"]);
    const choice = PreviewChoice.parse(form);
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
  const kinds = Object.entries(MAIL_TEXT_KINDS) as [MailTextKind, { about: string }][];
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: "Projects" },
        { href: base, label: data.project.name },
        { href: `${base}/settings#mail-heading`, label: "Settings" },
      ]}
      project={{ id, section: "settings" }}
    >
      <h1>Mail preview</h1>
      <Notice notice={data.notice} />
      <form method="get" action={`${base}/settings/mail-preview`} class="form inline-form">
        <label for="preview-kind">Mail</label>
        <select id="preview-kind" name="kind">
          {kinds.map(([kind, { about }]) => (
            <option key={kind} value={kind} selected={kind === data.choice.kind}>{about}</option>
          ))}
        </select>
        <label for="preview-lang">Language</label>
        <select id="preview-lang" name="lang">
          <option value="en" selected={data.choice.lang === "en"}>English</option>
          <option value="id" selected={data.choice.lang === "id"}>Bahasa Indonesia</option>
        </select>
        <button type="submit" class="button secondary">Show</button>
      </form>
      <p class="muted">
        As it would go now, with sample values (code{" "}
        {"123456"}, passkey “Laptop”…). The link or code and the note on what to do if the person did not ask
        stay Astapa's; your subject, intro and closing line are edited under{" "}
        <a href={`${base}/settings#mail-heading`}>Settings → Mail</a>.
      </p>
      <section class="card" aria-labelledby="preview-subject">
        <h2 id="preview-subject">{data.mail.subject}</h2>
        <h3>Text part</h3>
        <pre class="mail-text">{data.mail.text}</pre>
        <h3>HTML part</h3>
        {data.mail.html
          ? (
            <iframe
              title="The HTML part of the mail"
              src={previewPath(id, data.choice, "/html")}
              sandbox=""
              class="mail-frame"
              width="100%"
              height="560"
            />
          )
          : <p class="muted">This mail is sent as plain text only.</p>}
      </section>
      {allows(data.role, "admin") && (
        <form method="post" action={`${base}/settings/mail-preview`} class="form">
          <CsrfField token={data.frame.csrf} />
          <input type="hidden" name="kind" value={data.choice.kind} />
          <input type="hidden" name="lang" value={data.choice.lang} />
          <button type="submit" class="button">Send me a test</button>
          <p class="hint">
            To {data.frame.email}, through this project's outbox{data.project.mode === "sandbox"
              ? (
                <>
                  {" "}(it shows in the <a href={`${base}/sandbox-inbox`}>sandbox inbox</a>)
                </>
              )
              : null}.
          </p>
        </form>
      )}
    </Frame>
  );
}
