import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { setWebhookEndpointEnabled } from "@/db/webhooks.ts";
import { updateWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { EndpointId, webhooksAction } from "@/lib/dashboard/webhooks_page.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

const EnabledForm = z.object({
  csrf: z.string(),
  enabled: z.enum(["true", "false"]),
  endpoint: EndpointId,
});

/** POST …/webhooks/enabled: pause an endpoint (waiting deliveries fail, resendable) or enable it again. */
export const handler: Handlers<WebhooksData> = {
  POST: (c) =>
    webhooksAction(c, EnabledForm, async (tx, projectId, form) => {
      const enabled = form.enabled === "true";
      if (form.endpoint) {
        await updateWebhookEndpoint(tx, projectId, form.endpoint, { enabled, internalReason: null });
      } else await setWebhookEndpointEnabled(tx, projectId, enabled); // a form from before: the oldest
      return enabled ? "endpoint_enabled" : "endpoint_disabled";
    }),
};

export default function WebhookEnabledPage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
