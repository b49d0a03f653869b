import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { EVENT_TYPES, type EventType, putWebhookEndpoint } from "@/db/webhooks.ts";
import { createWebhookEndpoint, updateWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { newWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { savedTargetReason } from "@/lib/webhooks/address_guard.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { manyValues, refuse } from "@/lib/dashboard/form_fields.ts";
import {
  EndpointTarget,
  webhooksAction,
  webhooksNotice,
  webhooksView,
} from "@/lib/dashboard/webhooks_page.ts";
import { wordEndpointLimit } from "@/lib/dashboard/webhooks_text.ts";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { WEBHOOKS_TEXT } from "@/lib/dashboard/text/webhooks.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

// receive: "all" is every event type, including future ones (the event checkboxes are then ignored); "listed"
// (or absent, as before the choice existed) is the checked types.
const EndpointForm = z.object({
  csrf: z.string(),
  url: z.string().max(4000),
  // Judged by SQL (at most 200 characters); blank removes it. Absent: a form from before the field existed.
  description: z.string().max(1000).optional(),
  receive: z.enum(["all", "listed"]).default("listed"),
  events: manyValues,
  endpoint: EndpointTarget,
});

export const handler: Handlers<WebhooksData> = {
  GET: async (c) => {
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) => webhooksView(c, tx, projectId, role),
    );
    return page(data, { title: `${WEBHOOKS_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
  },
  /** Admins add an endpoint (its signing secret is shown once) or change one's URL and event types. */
  POST: (c) =>
    webhooksAction(c, EndpointForm, async (tx, projectId, form) => {
      const url = form.url.trim();
      if (!url) refuse("Enter the URL your app receives webhooks at.");
      const events = form.receive === "all" ? "*" : listedTypes(form.events);
      // The same SSRF check and SQL as the Platform API's webhook endpoint routes.
      const internalReason = await savedTargetReason(url, c.var.deps.config.webhookAllowPrivate);
      if (form.endpoint !== undefined && form.endpoint !== "new") {
        await updateWebhookEndpoint(tx, projectId, form.endpoint, {
          url,
          events,
          description: form.description,
          internalReason,
        });
        return "endpoint_saved";
      }
      const secret = newWebhookSecret();
      const secretSealed = await sealWebhookSecret(c.var.deps.masterKeys.sealing, projectId, secret);
      if (form.endpoint === "new") {
        const description = form.description;
        await createWebhookEndpoint(tx, projectId, { url, secretSealed, events, description, internalReason })
          .catch(wordEndpointLimit);
        return { secret, notice: webhooksNotice(dashboardLang(c), "added") };
      }
      // A form without an endpoint (from before there were several): the first, or the oldest changed.
      const { created } = await putWebhookEndpoint(tx, projectId, {
        url,
        newSecretSealed: secretSealed,
        events,
        internalReason,
      });
      return created ? { secret, notice: webhooksNotice(dashboardLang(c), "added") } : "endpoint_saved";
    }),
};

/** The checked event types, each one Astapa sends; refused (422) when none or an unknown one. */
function listedTypes(events: string[]): EventType[] {
  if (events.length === 0) refuse("Pick at least one event type, or choose all events.");
  const unknown = events.find((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  if (unknown) refuse(`${unknown} is not an event type (${EVENT_TYPES.join(", ")}).`);
  return events as EventType[];
}

export default function WebhooksPage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
