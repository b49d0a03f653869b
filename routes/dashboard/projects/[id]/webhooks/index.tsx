import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { EVENT_TYPES, type EventType, getWebhookEndpoint, setWebhookEndpoint } from "@/db/webhooks.ts";
import { newWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { manyValues, refuse } from "@/lib/dashboard/form_fields.ts";
import { assertWebhookTarget, webhooksAction, webhooksView } from "@/lib/dashboard/webhooks_page.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

const EndpointForm = z.object({ csrf: z.string(), url: z.string().max(4000), events: manyValues });

export const handler: Handlers<WebhooksData> = {
  GET: async (c) => {
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) => webhooksView(c, tx, projectId, role),
    );
    return page(data, { title: `Webhooks · ${data.project.name}` });
  },
  /** Admins add the endpoint (its signing secret is shown once) or change its URL and event types. */
  POST: async (c) => {
    const form = await readBody(c, EndpointForm, ["form"]);
    return webhooksAction(c, async (tx, projectId) => {
      const url = form.url.trim();
      if (!url) refuse("Enter the URL your app receives webhooks at.");
      if (form.events.length === 0) refuse("Pick at least one event type.");
      const unknown = form.events.find((type) => !(EVENT_TYPES as readonly string[]).includes(type));
      if (unknown) refuse(`${unknown} is not an event type (${EVENT_TYPES.join(", ")}).`);
      await assertWebhookTarget(c, tx, projectId, url);
      const isNew = (await getWebhookEndpoint(tx, projectId)) === null;
      const secret = isNew ? newWebhookSecret() : null;
      const secretSealed = secret
        ? await sealWebhookSecret(c.var.deps.masterKeys.sealing, projectId, secret)
        : null;
      await setWebhookEndpoint(tx, projectId, { url, secretSealed, events: form.events as EventType[] });
      return secret ? { secret, notice: "Webhook endpoint added." } : "endpoint_saved";
    });
  },
};

export default function WebhooksPage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
