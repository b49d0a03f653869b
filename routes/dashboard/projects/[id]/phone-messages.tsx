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

type MessagesData = { frame: FrameData; project: Project; messages: PhoneMessage[] };

export const handler: Handlers<MessagesData> = {
  GET: async (c) => {
    const data = await withProject(c, "viewer", async (tx, _role, projectId) => ({
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      messages: await phoneMessages(tx, 200),
    }));
    return page(data, { title: `Phone messages · ${data.project.name}` });
  },
};

export default function PhoneMessagesPage({ data }: PageProps<MessagesData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "mail" }}
    >
      <h1>Phone messages</h1>
      <p class="muted">
        Sign-in codes sent by WhatsApp or SMS, newest first. {data.project.mode === "sandbox"
          ? "This is a sandbox project: nothing is sent, and each code is shown here for your test users."
          : "Codes themselves are never kept."} Limits and the daily budget: settings.phone (docs/phone.md).
      </p>
      {data.messages.length === 0 ? <p class="muted">No messages yet.</p> : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">To</th>
              <th scope="col">Channel</th>
              <th scope="col">Provider</th>
              <th scope="col">Status</th>
              <th scope="col">Cost</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {data.messages.map((m) => (
              <tr key={m.id}>
                <td>{shortTime(m.created_at)}</td>
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
