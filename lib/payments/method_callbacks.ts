/**
 * Xendit's payment_method.* callbacks (activated, failed, expired) for linked e-wallets. The callback names our
 * method id (reference_id) but no project: api.linked_method_account says whose it is and through which
 * account, the x-callback-token must equal that account's token (constant-time), and then the callback is
 * applied at once, forward-only and idempotently (api.apply_method_callback), so a retried or late callback
 * changes nothing. Nothing else waits on it, so it skips the payment events queue.
 */
import { z } from "zod";
import { asApp } from "@/db/client.ts";
import { applyMethodCallback, linkedMethodAccount } from "@/db/linked_methods.ts";
import { AppError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { type PaymentDeps, xenditAccount } from "./accounts.ts";
import { tokensEqual } from "./callback_token.ts";
import { isSandboxToken } from "./sandbox_accounts.ts";

export const MethodCallback = z.looseObject({
  event: z.string().regex(/^payment_method\.[a-z_]{1,40}$/),
  data: z.looseObject({
    id: z.string().min(1).max(255),
    reference_id: z.string().max(255).nullable().optional(),
    failure_code: z.string().max(500).nullable().optional(),
  }),
});

/** Applies a verified payment_method.* callback; answers what the webhook returns to Xendit. */
export async function receiveMethodCallback(
  deps: PaymentDeps,
  token: string,
  callback: z.infer<typeof MethodCallback>,
): Promise<{ received: boolean; changed?: boolean; reason?: string }> {
  const reference = callback.data.reference_id ?? "";
  const owner = await asApp(deps.sql, null, (tx) => linkedMethodAccount(tx, reference));
  const account = owner &&
    await xenditAccount(deps, owner.project_id, owner.environment, owner.xendit_account);
  if (!owner || !account) {
    // Not one of ours (another app on the same Xendit account, or a forgery): as for payment callbacks, tell
    // Xendit to stop retrying only when it proves to be Xendit, and store nothing either way.
    const deployment = deps.config.xendit.callbackToken;
    const fromXendit = (deployment !== undefined && await tokensEqual(token, deployment)) ||
      await isSandboxToken(deps, token);
    if (!fromXendit) throw new AppError("unauthorized");
    log("warn", "xendit_method_callback_unknown_reference", { reference: reference.slice(0, 64) });
    return { received: false, reason: "unknown reference" };
  }
  if (!(await tokensEqual(token, account.callbackToken))) throw new AppError("unauthorized");
  if (
    !["payment_method.activated", "payment_method.failed", "payment_method.expired"].includes(callback.event)
  ) {
    // Verified, but not one Astapa acts on: acknowledged so Xendit stops retrying.
    return { received: false, reason: "event not used" };
  }
  const applied = await asApp(
    deps.sql,
    owner.project_id,
    (tx) =>
      applyMethodCallback(tx, owner.project_id, reference, {
        event: callback.event,
        provider_id: callback.data.id,
        failure_code: callback.data.failure_code ?? null,
      }),
  );
  return { received: true, changed: applied.changed };
}
