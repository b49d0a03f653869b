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
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { MAIL_TEXT } from "@/lib/dashboard/text/mail.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

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
    return page(data, { title: `${MAIL_TEXT[data.frame.lang].title} · ${data.project.name}` });
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
      <h1>{text.title}</h1>
      <p class="muted">
        {fill(text.explained, { mode: data.project.mode })}
        {data.project.mode === "sandbox" && (
          <>
            {" "}
            <Phrase
              text={text.readSandbox}
              parts={{ inbox: <a href={`${base}/sandbox-inbox`}>{text.sandboxInboxLink}</a> }}
            />
          </>
        )}{" "}
        <Phrase
          text={text.phoneCodes}
          parts={{ messages: <a href={`${base}/phone-messages`}>{text.phoneMessagesLink}</a> }}
        />
      </p>
      {!data.smtp && (
        <p class="notice" role="note">
          <Phrase
            text={text.queued}
            parts={{
              queued: <strong>{text.queuedWord}</strong>,
              smtp: <code>SMTP_URL</code>,
              from: <code>MAIL_FROM</code>,
            }}
          />
        </p>
      )}
      <form method="get" action={`${base}/mail`} class="form inline-form search">
        <label for="status">{text.status}</label>
        <select id="status" name="status">
          <option value="">{text.any}</option>
          {MailStatusSchema.options.map((status) => (
            <option key={status} value={status} selected={status === data.status}>{status}</option>
          ))}
        </select>
        <button type="submit" class="button secondary">{text.filter}</button>
      </form>
      {data.mails.length === 0
        ? data.status ? <p class="muted">{fill(text.noneOfStatus, { status: data.status })}</p> : (
          <EmptyState
            title={text.emptyTitle}
            action={firstUserLink(data.project, lang)}
            more={{ href: "/docs/hosted-login", label: text.emptyMore }}
          >
            <p>{text.emptyWhat}</p>
          </EmptyState>
        )
        : (
          <table class="list mail-list stack">
            <thead>
              <tr>
                <th scope="col">{text.columnTo}</th>
                <th scope="col">{text.columnKind}</th>
                <th scope="col">{text.columnLocale}</th>
                <th scope="col">{text.columnStatus}</th>
                <th scope="col">{text.columnAttempts}</th>
                <th scope="col">{text.columnLastError}</th>
                <th scope="col">{text.columnQueued}</th>
                <th scope="col">{text.columnSent}</th>
              </tr>
            </thead>
            <tbody>
              {data.mails.map((mail) => (
                <tr key={mail.id}>
                  <td data-label={text.columnTo}>{mail.to}</td>
                  <td data-label={text.columnKind}>
                    <code>{mail.kind}</code>
                  </td>
                  <td data-label={text.columnLocale}>{mail.locale ?? ""}</td>
                  <td data-label={text.columnStatus}>
                    <span class={`badge mail-${mail.status}`}>{mail.status}</span>
                  </td>
                  <td data-label={text.columnAttempts}>{mail.attempts}</td>
                  <td data-label={text.columnLastError}>{mail.last_error ?? ""}</td>
                  <td data-label={text.columnQueued}>{shortTime(mail.created_at, lang)}</td>
                  <td data-label={text.columnSent}>{shortTime(mail.sent_at, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {data.next && (
        <p>
          <a href={`${base}/mail?${older}`}>{text.older}</a>
        </p>
      )}
    </Frame>
  );
}
