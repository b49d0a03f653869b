import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { rotateWebhookSecret } from "@/db/webhooks.ts";
import { rotateWebhookEndpointSecret } from "@/db/webhook_endpoints.ts";
import { newWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { refuse } from "@/lib/dashboard/form_fields.ts";
import { EndpointId, webhooksAction, webhooksNotice } from "@/lib/dashboard/webhooks_page.ts";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

const RotateForm = z.object({
  csrf: z.string(),
  confirm: z.string().max(10).optional(),
  endpoint: EndpointId,
});

/** POST …/webhooks/secret: a new signing secret for an endpoint (shown once); its deliveries from now on use it. */
export const handler: Handlers<WebhooksData> = {
  POST: (c) =>
    webhooksAction(c, RotateForm, async (tx, projectId, form) => {
      if (form.confirm !== "yes") refuse("Tick the box to confirm: the current secret stops at once.");
      const secret = newWebhookSecret();
      const sealed = await sealWebhookSecret(c.var.deps.masterKeys.sealing, projectId, secret);
      if (form.endpoint) await rotateWebhookEndpointSecret(tx, projectId, form.endpoint, sealed);
      else await rotateWebhookSecret(tx, projectId, sealed); // a form from before: the oldest
      return { secret, notice: webhooksNotice(dashboardLang(c), "rotated") };
    }),
};

export default function WebhookSecretPage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
