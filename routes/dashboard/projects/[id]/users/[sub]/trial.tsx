import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { startTrial } from "@/db/trials.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { wordTrialRefusal } from "@/lib/dashboard/trial_refusals.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const TrialForm = z.object({ csrf: z.string(), plan: z.string().trim().min(1).max(100) });

/**
 * POST …/users/:sub/trial: starts the user's free trial of a plan through api.start_trial — the function the
 * Platform API and the plan picker use, so one trial per user and plan holds here too (audited
 * subscription.trial_start, naming the developer). Refusals come back worded in English and Indonesian.
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, TrialForm, async (tx, projectId, userId, form) => {
      await startTrial(tx, projectId, userId, form.plan).catch((thrown) =>
        wordTrialRefusal(thrown, form.plan)
      );
      return "trial_started";
    }),
};

export default function TrialPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
