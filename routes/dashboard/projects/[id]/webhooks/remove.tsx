import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { removeWebhookEndpoint } from "@/db/webhooks.ts";
import { refuse } from "@/lib/dashboard/form_fields.ts";
import { webhooksAction } from "@/lib/dashboard/webhooks_page.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

const RemoveForm = z.object({ csrf: z.string(), confirm: z.string().max(10).optional() });

/** POST …/webhooks/remove: stop sending and forget the endpoint (the delivery log stays). */
export const handler: Handlers<WebhooksData> = {
  POST: async (c) => {
    const form = await readBody(c, RemoveForm, ["form"]);
    return webhooksAction(c, async (tx, projectId) => {
      if (form.confirm !== "yes") refuse("Tick the box to confirm removing the endpoint.");
      await removeWebhookEndpoint(tx, projectId);
      return "endpoint_removed";
    });
  },
};

export default function WebhookRemovePage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
