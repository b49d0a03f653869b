/**
 * Telling a person what the claim of their account removed (astapa.claim_unproven_account), for every api
 * function that may claim: each returns {claimed, email} only when the claim removed something and the address
 * is proven (astapa.claim_notice), and its wrapper queues the page's notice here, in the same transaction.
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { type ClaimNotice, Removed } from "@/lib/login/claimed_mail.ts";

/** The part of a claiming function's answer that says what its claim removed and whom to tell. */
export const Claimed = z.object({ claimed: Removed.optional(), email: z.string().optional() });

/** Queues the claim's notice in the claiming transaction, so it goes out exactly when the claim commits. */
export async function tellClaim(
  tx: Tx,
  projectId: string,
  answer: z.infer<typeof Claimed> | null,
  notice: ClaimNotice,
): Promise<void> {
  if (!answer?.claimed || !answer.email) return;
  const mail = notice(answer.claimed);
  const queued = {
    to: answer.email,
    template: mail.kind,
    subject: mail.subject,
    text: mail.body,
    html: mail.html,
  };
  await tx`select api.queue_mail(${projectId}, ${JSON.stringify(queued)}::text::jsonb)`;
}
