import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { validate } from "@/lib/http/body.ts";
import { getProject, type Project } from "@/db/projects.ts";
import { listMailOutbox, type MailStatus, MailStatusSchema, type OutboxMail } from "@/db/project_logs.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { Frame, type FrameData } from "@/components/dashboard/Frame.tsx";
import { EmptyState, firstUserLink } from "@/components/dashboard/EmptyState.tsx";

const PAGE_SIZE = 50;

const Query = z.object({
  status: z.union([MailStatusSchema, z.literal("")]).optional(),
  before: z.string().regex(/^\d{1,18}$/).optional(),
});

type MailData = {
  frame: FrameData;
  /** Whether this deployment delivers mail (SMTP_URL set). */
  smtp: boolean;
  project: Project;
  mails: OutboxMail[];
  status?: MailStatus;
  next?: string;
};

export const handler: Handlers<MailData> = {
  GET: async (c) => {
    const query = validate(Query, c.req.query());
    const status = query.status || undefined;
    const data = await withProject(c, "viewer", async (tx, _role, projectId) => {
      const mails = await listMailOutbox(tx, projectId, { status, beforeId: query.before, size: PAGE_SIZE });
      const next = mails.length === PAGE_SIZE ? mails.at(-1)!.id : undefined;
      const project = await getProject(tx, projectId);
      return { frame: frameOf(c), smtp: Boolean(c.var.deps.config.smtpUrl), project, mails, status, next };
    });
    return page(data, { title: `Mail · ${data.project.name}` });
  },
};

/**
 * GET /dashboard/projects/:id/mail: the outbox (this mode's mail), newest first. Never the subject or body:
 * they hold sign-in and reset links.
 */
export default function MailPage({ data }: PageProps<MailData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const older = new URLSearchParams({
    ...(data.status ? { status: data.status } : {}),
    before: data.next ?? "",
  });
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "mail" }}
    >
      <h1>Mail</h1>
      <p class="muted">
        What Astapa sends your users in {data.project.mode}{" "}
        mode. Bodies are never shown here: they hold sign-in links.
        {data.project.mode === "sandbox" && (
          <>
            {" "}Read this sandbox project's mail, links included, in the{" "}
            <a href={`${base}/sandbox-inbox`}>sandbox inbox</a>.
          </>
        )} Codes sent by WhatsApp and SMS are in <a href={`${base}/phone-messages`}>phone messages</a>.
      </p>
      {!data.smtp && (
        <p class="notice" role="note">
          Mail stays <strong>queued</strong>: this deployment has no{" "}
          <code>SMTP_URL</code>, so nothing is delivered. Set <code>SMTP_URL</code> (and{" "}
          <code>MAIL_FROM</code>) on the server and restart; queued mail is then sent.
        </p>
      )}
      <form method="get" action={`${base}/mail`} class="form inline-form search">
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="">any</option>
          {MailStatusSchema.options.map((status) => (
            <option key={status} value={status} selected={status === data.status}>{status}</option>
          ))}
        </select>
        <button type="submit" class="button secondary">Filter</button>
      </form>
      {data.mails.length === 0
        ? data.status ? <p class="muted">{`No ${data.status} mail.`}</p> : (
          <EmptyState
            title="No mail yet"
            action={firstUserLink(data.project)}
            more={{ href: "/docs/hosted-login", label: "Which mail the hosted login sends" }}
          >
            <p>
              Astapa mails your users their email confirmation and password reset links; each message shows
              here with whether it was delivered (never its content). A sign-up on the hosted login sends the
              first one.
            </p>
          </EmptyState>
        )
        : (
          <table class="list mail-list stack">
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">Kind</th>
                <th scope="col">Locale</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Queued</th>
                <th scope="col">Sent</th>
              </tr>
            </thead>
            <tbody>
              {data.mails.map((mail) => (
                <tr key={mail.id}>
                  <td data-label="To">{mail.to}</td>
                  <td data-label="Kind">
                    <code>{mail.kind}</code>
                  </td>
                  <td data-label="Locale">{mail.locale ?? ""}</td>
                  <td data-label="Status">
                    <span class={`badge mail-${mail.status}`}>{mail.status}</span>
                  </td>
                  <td data-label="Attempts">{mail.attempts}</td>
                  <td data-label="Last error">{mail.last_error ?? ""}</td>
                  <td data-label="Queued">{shortTime(mail.created_at)}</td>
                  <td data-label="Sent">{shortTime(mail.sent_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {data.next && (
        <p>
          <a href={`${base}/mail?${older}`}>Older mail</a>
        </p>
      )}
    </Frame>
  );
}
