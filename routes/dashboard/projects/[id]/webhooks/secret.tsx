import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { rotateWebhookSecret } from "@/db/webhooks.ts";
import { newWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { refuse } from "@/lib/dashboard/form_fields.ts";
import { webhooksAction } from "@/lib/dashboard/webhooks_page.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

const RotateForm = z.object({ csrf: z.string(), confirm: z.string().max(10).optional() });

/** POST …/webhooks/secret: a new signing secret (shown once); deliveries from now on use it. */
export const handler: Handlers<WebhooksData> = {
  POST: async (c) => {
    const form = await readBody(c, RotateForm, ["form"]);
    return webhooksAction(c, async (tx, projectId) => {
      if (form.confirm !== "yes") refuse("Tick the box to confirm: the current secret stops at once.");
      const secret = newWebhookSecret();
      await rotateWebhookSecret(
        tx,
        projectId,
        await sealWebhookSecret(c.var.deps.masterKeys.sealing, projectId, secret),
      );
      return {
        secret,
        notice: "A new signing secret is in force; deliveries are signed with it from now on.",
      };
    });
  },
};

export default function WebhookSecretPage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
