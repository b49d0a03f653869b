import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { removeWebhookEndpoint } from "@/db/webhooks.ts";
import { deleteWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { refuse } from "@/lib/dashboard/form_fields.ts";
import { EndpointId, webhooksAction } from "@/lib/dashboard/webhooks_page.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

const RemoveForm = z.object({
  csrf: z.string(),
  confirm: z.string().max(10).optional(),
  endpoint: EndpointId,
});

/** POST …/webhooks/remove: stop sending and forget an endpoint (its delivery log stays). */
export const handler: Handlers<WebhooksData> = {
  POST: (c) =>
    webhooksAction(c, RemoveForm, async (tx, projectId, form) => {
      if (form.confirm !== "yes") refuse("Tick the box to confirm removing the endpoint.");
      if (form.endpoint) await deleteWebhookEndpoint(tx, projectId, form.endpoint);
      else await removeWebhookEndpoint(tx, projectId); // a form from before: the oldest
      return "endpoint_removed";
    }),
};

export default function WebhookRemovePage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
