/**
 * GET /dashboard/projects/:id/sandbox-inbox: a sandbox project's mail as its test users would read it, links
 * included, so a developer can finish a sign-up or a reset without a mail server — branded as it is sent (the
 * project's name and logo on top, its footer of support address and links: lib/branding/mail.ts, with the
 * brand of now). Production projects get a
 * pointer to the Mail page instead: their mail goes to real people and its links are never shown.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { getProject, type Project } from "@/db/projects.ts";
import { type InboxMail, sandboxInbox } from "@/db/project_logs.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { Frame, type FrameData } from "@/components/dashboard/Frame.tsx";
import { EmptyState, firstUserLink } from "@/components/dashboard/EmptyState.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { MAIL_TEXT } from "@/lib/dashboard/text/mail.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
import { type Brand, brandOf } from "@/lib/branding/brand.ts";
import { brandMail } from "@/lib/branding/mail.ts";

type InboxData = { frame: FrameData; project: Project; mails: InboxMail[]; smtp: boolean; brand: Brand };

export const handler: Handlers<InboxData> = {
  GET: async (c) => {
    const data = await withProject(c, "viewer", async (tx, _role, projectId) => {
      const project = await getProject(tx, projectId);
      const mails = project.mode === "sandbox" ? await sandboxInbox(tx, projectId) : [];
      // Each mail's text as the sender delivers it: with the project's brand (its footer) added.
      const brand = brandOf({ id: project.project_id, name: project.name, settings: project.settings });
      const branded = mails.map((mail) => ({
        ...mail,
        text: brandMail({ body_text: mail.text, body_html: null, locale: mail.locale }, brand).text,
      }));
      return { frame: frameOf(c), project, mails: branded, smtp: Boolean(c.var.deps.config.smtpUrl), brand };
    });
    return page(data, { title: `${MAIL_TEXT[data.frame.lang].inboxTitle} · ${data.project.name}` });
  },
};

/** The mail's text with its links clickable (text only: a mail's HTML is never rendered in the dashboard). */
function Linked({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/\S+)/g);
  return (
    <pre class="mail-text" tabIndex={0}>
      {parts.map((part, i) => i % 2 ? <a key={i} href={part}>{part}</a> : part)}
    </pre>
  );
}

export default function SandboxInboxPage({ data }: PageProps<InboxData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const lang = data.frame.lang;
  const text = MAIL_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "mail" }}
    >
      <h1>{text.inboxTitle}</h1>
      {data.project.mode !== "sandbox"
        ? (
          <p class="muted">
            <Phrase text={text.inboxProduction} parts={{ mail: <a href={`${base}/mail`}>{text.title}</a> }} />
          </p>
        )
        : (
          <>
            <p class="muted">
              {text.inboxExplained} {data.smtp ? text.inboxDelivered : text.inboxKept}
            </p>
            {data.mails.length === 0
              ? (
                <EmptyState title={text.emptyTitle} action={firstUserLink(data.project, lang)}>
                  <p>{text.inboxEmpty}</p>
                </EmptyState>
              )
              : data.mails.map((mail) => (
                <article class="card inbox-mail" key={mail.id} aria-labelledby={`mail-${mail.id}`}>
                  <p class="inbox-brand">
                    {data.brand.logo && (
                      <img
                        src={data.brand.logo.url}
                        alt=""
                        width={data.brand.logo.width}
                        height={data.brand.logo.height}
                        class="inbox-logo"
                      />
                    )}
                    <strong>{data.brand.name}</strong>
                  </p>
                  <h2 id={`mail-${mail.id}`}>{mail.subject}</h2>
                  <p class="muted">
                    {fill(text.to, { to: mail.to })} · <code>{mail.kind}</code> ·{" "}
                    {shortTime(mail.created_at, lang)}
                    {mail.sent_at
                      ? fill(text.delivered, { when: shortTime(mail.sent_at, lang) })
                      : text.notDelivered}
                  </p>
                  <Linked text={mail.text} />
                </article>
              ))}
          </>
        )}
    </Frame>
  );
}
