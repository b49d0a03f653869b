import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { refundAccount } from "@/db/refunds.ts";
import { checkoutAccount, recordPaymentEvent } from "@/db/payments.ts";
import { AppError } from "@/lib/http/errors.ts";
import { parseJsonBody } from "@/lib/http/json.ts";
import { readText } from "@/lib/http/body.ts";
import { log } from "@/lib/http/log.ts";
import { xenditAccount } from "@/lib/payments/accounts.ts";
import { isSandboxToken } from "@/lib/payments/sandbox_accounts.ts";
import { tokensEqual } from "@/lib/payments/callback_token.ts";
import { countPaymentEvent } from "@/lib/metrics/metrics.ts";
import { PAYMENT_CALLBACK } from "@/lib/router/callers.ts";
import { MethodCallback, receiveMethodCallback } from "@/lib/payments/method_callbacks.ts";

export const callers = PAYMENT_CALLBACK;

/** Payment Request API callbacks: { event, business_id, created, data: { payment_request_id, reference_id, … } }. */
const PaymentCallback = z.looseObject({
  event: z.string(),
  data: z.looseObject({
    payment_request_id: z.string().min(1).max(255),
    reference_id: z.string().max(255),
    status: z.string().regex(/^[A-Z_]{1,40}$/),
  }),
});

/** Refund API callbacks: { event: refund.succeeded | refund.failed, data: { id, reference_id (our rfd_…), … } }. */
const RefundCallback = z.looseObject({
  event: z.string().regex(/^refund\./),
  data: z.looseObject({
    id: z.string().min(1).max(255),
    reference_id: z.string().max(255),
    status: z.string().regex(/^[A-Z_]{1,40}$/),
  }),
});

/** Invoice API callbacks: { id, external_id, status, … }. */
const InvoiceCallback = z.looseObject({
  id: z.string().min(1).max(255),
  external_id: z.string().max(255),
  status: z.string().regex(/^[A-Z_]{1,40}$/),
});

/**
 * Xendit callbacks. Xendit names no project, so the checkout id it carries back (reference_id, or the invoice's
 * external_id) finds the project and which keys made the charge; x-callback-token must equal that account's
 * token (constant-time). Verified callbacks are stored and answered at once; workers apply them.
 */
export const handler: Handlers = {
  async POST(c) {
    const token = c.req.header("x-callback-token");
    if (!token) throw new AppError("unauthorized", { description: "x-callback-token is missing." });
    const body = parseJsonBody(await readText(c));
    const deps = c.var.deps;
    // Linked e-wallets (payment_method.activated / failed / expired) name a method, not a checkout.
    const method = MethodCallback.safeParse(body);
    if (method.success) {
      const answer = await receiveMethodCallback(deps, token, method.data);
      return c.json(answer, answer.received ? 200 : 202);
    }
    const event = await readCallback(deps.sql, body);
    const owner = await asApp(deps.sql, null, (tx) => checkoutAccount(tx, event.checkoutId));
    const expected = owner
      ? (await xenditAccount(deps, owner.project_id, owner.environment, owner.xendit_account))?.callbackToken
      : undefined;
    if (!owner) {
      // Not one of ours (another app on the same Xendit account, or a forgery). Tell Xendit to stop retrying
      // only when it proves to be Xendit; store nothing either way.
      const deployment = deps.config.xendit.callbackToken;
      const fromXendit = (deployment !== undefined && await tokensEqual(token, deployment)) ||
        await isSandboxToken(deps, token);
      if (!fromXendit) throw new AppError("unauthorized");
      log("warn", "xendit_callback_unknown_reference", { reference: event.checkoutId.slice(0, 64) });
      return c.json({ received: false, reason: "unknown reference" }, 202);
    }
    if (!expected || !(await tokensEqual(token, expected))) throw new AppError("unauthorized");
    const stored = await asApp(
      deps.sql,
      owner.project_id,
      (tx) => recordPaymentEvent(tx, owner.project_id, event),
    );
    if (!stored.duplicate) countPaymentEvent("received");
    return c.json({ received: true, duplicate: stored.duplicate }, 200);
  },
};

async function readCallback(
  sql: Sql,
  body: unknown,
): Promise<{ providerId: string; status: string; checkoutId: string; body: unknown }> {
  // A refund names our refund id; the checkout of the refunded payment says whose token to expect.
  const refund = RefundCallback.safeParse(body);
  if (refund.success) {
    const { id, reference_id, status } = refund.data.data;
    const owner = await asApp(sql, null, (tx) => refundAccount(tx, reference_id));
    return { providerId: id, status, checkoutId: owner?.checkout_id ?? reference_id, body };
  }
  const payment = PaymentCallback.safeParse(body);
  if (payment.success) {
    const { payment_request_id, reference_id, status } = payment.data.data;
    return { providerId: payment_request_id, status, checkoutId: reference_id, body };
  }
  const invoice = InvoiceCallback.safeParse(body);
  if (invoice.success) {
    return {
      providerId: invoice.data.id,
      status: invoice.data.status,
      checkoutId: invoice.data.external_id,
      body,
    };
  }
  throw new AppError("validation_failed", {
    description: "Not a Xendit Payment Request, Invoice, Refund or Payment Method callback.",
  });
}
