/** Typed wrappers around the free-trial functions in `api` (db/api/trials.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { type Subscription, SubscriptionSchema } from "./plans.ts";
import { result } from "./result.ts";

export const TrialSchema = z.object({
  plan: z.string(),
  started_at: z.string(),
  ends_at: z.string(),
  /** Had by another account of the user's address or number (a deleted one, a +tag): no trial for them either. */
  other_account: z.boolean(),
});
export type Trial = z.infer<typeof TrialSchema>;

/** Starts a user's one trial of a plan (at `now`, the test clock's or the real one). */
export function startTrial(
  tx: Tx,
  projectId: string,
  userId: string,
  planKey: string,
  now = new Date(),
): Promise<Subscription> {
  return result(
    tx`select api.start_trial(${projectId}, ${userId}::bigint, ${planKey}, ${now.toISOString()}::timestamptz)
      as result`,
    SubscriptionSchema,
  );
}

/** The trials a user had (each plan once): their own, then those their address had on another account. */
export function userTrials(tx: Tx, projectId: string, userId: string): Promise<Trial[]> {
  return result(tx`select api.user_trials(${projectId}, ${userId}::bigint) as result`, z.array(TrialSchema));
}
