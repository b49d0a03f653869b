import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { resendWebhookDelivery } from "@/db/webhooks.ts";
import { refuse } from "@/lib/dashboard/form_fields.ts";
import { webhooksAction } from "@/lib/dashboard/webhooks_page.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

/** POST …/webhooks/deliveries/:delivery/resend: a failed delivery goes out again, due now. */
export const handler: Handlers<WebhooksData> = {
  POST: (c) => {
    const deliveryId = c.req.param("delivery") ?? "";
    return webhooksAction(c, z.object({ csrf: z.string() }), async (tx, projectId) => {
      if (!/^[1-9]\d{0,17}$/.test(deliveryId)) refuse("There is no such delivery.");
      await resendWebhookDelivery(tx, projectId, deliveryId);
      return "resent";
    });
  },
};

export default function ResendPage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
