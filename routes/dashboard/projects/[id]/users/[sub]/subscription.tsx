import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { cancelSubscription, resumeSubscription } from "@/db/billing.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const SubscriptionForm = z.object({ csrf: z.string(), action: z.enum(["cancel", "resume"]) });

/**
 * POST …/users/:sub/subscription: cancel at the end of the paid period (api.cancel_subscription) or undo
 * that while the period runs (api.resume_subscription) — the functions renewals use.
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, SubscriptionForm, async (tx, projectId, userId, form) => {
      if (form.action === "cancel") {
        await cancelSubscription(tx, projectId, userId);
        return "subscription_canceled";
      }
      await resumeSubscription(tx, projectId, userId);
      return "subscription_resumed";
    }),
};

export default function SubscriptionPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
