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
    return page(data, { title: `Sandbox inbox · ${data.project.name}` });
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
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "mail" }}
    >
      <h1>Sandbox inbox</h1>
      {data.project.mode !== "sandbox"
        ? (
          <p class="muted">
            This project is in production: its mail goes to real people, so its links are not shown here. See
            {" "}
            <a href={`${base}/mail`}>Mail</a> for what was sent.
          </p>
        )
        : (
          <>
            <p class="muted">
              The newest mail of this sandbox project, as your test users get it: open a link to finish a
              sign-up or a password reset without a mail server. {data.smtp
                ? "Mail that was delivered shows an erased body (links work once and are not kept)."
                : "This deployment has no SMTP_URL, so mail stays here and is not delivered."}
            </p>
            {data.mails.length === 0
              ? (
                <EmptyState title="No mail yet" action={firstUserLink(data.project)}>
                  <p>
                    Sign up on your app's hosted login (or ask for a password reset) and the mail appears
                    here, its links ready to open.
                  </p>
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
                    To {mail.to} · <code>{mail.kind}</code> · {shortTime(mail.created_at)}
                    {mail.sent_at ? ` · delivered ${shortTime(mail.sent_at)}` : " · not delivered"}
                  </p>
                  <Linked text={mail.text} />
                </article>
              ))}
          </>
        )}
    </Frame>
  );
}
