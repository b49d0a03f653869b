import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { sendTestWebhook } from "@/db/webhook_endpoints.ts";
import { webhooksAction } from "@/lib/dashboard/webhooks_page.ts";
import { wordTestLimit } from "@/lib/dashboard/webhooks_text.ts";
import { type WebhooksData, WebhooksView } from "@/components/dashboard/WebhooksView.tsx";

const TestForm = z.object({ csrf: z.string(), endpoint: z.string().regex(/^wep_[a-z2-7]{24}$/) });

/** POST …/webhooks/test: queue one webhook.test event to this endpoint only, as the Platform API's …/test. */
export const handler: Handlers<WebhooksData> = {
  POST: (c) =>
    webhooksAction(c, TestForm, async (tx, projectId, form) => {
      await sendTestWebhook(tx, projectId, form.endpoint).catch(wordTestLimit);
      return "test_sent";
    }),
};

export default function WebhookTestPage({ data }: PageProps<WebhooksData>) {
  return <WebhooksView data={data} />;
}
