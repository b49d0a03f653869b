/**
 * GET /dashboard/projects/:id/phone-messages: every sign-in code message the project sent or tried to send
 * (WhatsApp, SMS), with provider, status, cost and the provider's error, and today's count against the daily
 * budget. A sandbox project's codes are shown here (its sandbox inbox for phones); a production project's never.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { getProject, type Project } from "@/db/projects.ts";
import { type PhoneMessage, phoneMessages } from "@/db/phone.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { Frame, type FrameData } from "@/components/dashboard/Frame.tsx";
import { MAIL_TEXT } from "@/lib/dashboard/text/mail.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

type MessagesData = { frame: FrameData; project: Project; messages: PhoneMessage[] };

export const handler: Handlers<MessagesData> = {
  GET: async (c) => {
    const data = await withProject(c, "viewer", async (tx, _role, projectId) => ({
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      messages: await phoneMessages(tx, 200),
    }));
    return page(data, { title: `${MAIL_TEXT[data.frame.lang].phoneTitle} · ${data.project.name}` });
  },
};

export default function PhoneMessagesPage({ data }: PageProps<MessagesData>) {
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
      <h1>{text.phoneTitle}</h1>
      <p class="muted">
        {text.phoneExplained} {data.project.mode === "sandbox" ? text.phoneSandbox : text.phoneProduction}
        {" "}
        {text.phoneLimits}
      </p>
      {data.messages.length === 0 ? <p class="muted">{text.phoneNone}</p> : (
        <table>
          <thead>
            <tr>
              <th scope="col">{text.columnWhen}</th>
              <th scope="col">{text.columnTo}</th>
              <th scope="col">{text.columnChannel}</th>
              <th scope="col">{text.columnProvider}</th>
              <th scope="col">{text.columnStatus}</th>
              <th scope="col">{text.columnCost}</th>
              <th scope="col">{text.columnDetail}</th>
            </tr>
          </thead>
          <tbody>
            {data.messages.map((m) => (
              <tr key={m.id}>
                <td>{shortTime(m.created_at, lang)}</td>
                <td>{m.phone_number}</td>
                <td>{m.channel === "sms" ? "SMS" : "WhatsApp"}</td>
                <td>
                  <code>{m.provider}</code>
                </td>
                <td>{m.status}</td>
                <td>{m.cost !== undefined ? `${m.cost} ${m.currency ?? ""}` : "—"}</td>
                <td>
                  {m.sandbox_text
                    ? <code class="sandbox-code">{m.sandbox_text}</code>
                    : m.error ?? m.provider_message_id ?? ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Frame>
  );
}
