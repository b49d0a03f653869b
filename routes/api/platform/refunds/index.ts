import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { listRefunds, PLAN_EFFECTS, REFUND_REASONS } from "@/db/refunds.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { refundPayment } from "@/lib/payments/refunds.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, PROVIDER_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const NewRefund = z.strictObject({
  receipt: z.string().regex(
    /^(rcp_[a-z2-7]{24}|(TEST-)?R-\d{4}-\d{6,})$/,
    "A receipt id (rcp_…) or number (R-2026-000001).",
  ),
  amount: z.number().int().min(1).max(1_000_000_000_000).optional(),
  reason: z.enum(REFUND_REASONS).optional(),
  plan_effect: z.enum(PLAN_EFFECTS),
});
const Query = z.object({ receipt: z.string().max(64).optional() });

/** Refunds move money out of the project's Xendit account: the project's own client only. */
export const callers = clients("project");

/**
 * POST refunds (part of) the payment a receipt is for through Xendit's Refund API: 201 with the refund, status
 * pending until Xendit's callback (then payment.refunded, or payment.refund_failed). GET lists refunds, or one
 * receipt's.
 */
export const handler: Handlers = {
  async POST(c) {
    const input = validate(NewRefund, await bodyWithoutCredentials(c));
    const refund = await refundPayment(c.var.deps, clientOf(c).projectId, { ...input, requested_by: "api" });
    return c.json(refund, 201, NO_STORE);
  },
  async GET(c) {
    const query = validate(Query, { receipt: c.req.query("receipt") });
    const refunds = await asClient(c, (tx, projectId) => listRefunds(tx, projectId, query.receipt ?? null));
    return c.json({ refunds }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Payments",
    summary: "Refund a payment (full or partial) through Xendit",
    description:
      "Virtual accounts cannot be refunded (409 with the reason); never more than was paid (409). " +
      "plan_effect: end_now, keep_to_period_end or none, applied when Xendit confirms the refund " +
      "(payment.refunded); a refund Xendit refuses (409) or fails emits payment.refund_failed. A 502 leaves " +
      "the amount reserved (no answer, or Xendit refused the project's API key) and it is asked for again.",
    auth: "client",
    body: { schema: NewRefund, media: ["json"] },
    responses: {
      201: { description: "The refund (pending)", schema: BILLING_ANSWERS.refund },
      ...COMMON_ERRORS,
      ...PROVIDER_ERRORS,
    },
  },
  get: {
    tag: "Payments",
    summary: "List refunds",
    description:
      "Each with its reconciliation: `reconcile_errors`, `reconcile_stopped_at` (the billing pass stopped asking " +
      "Xendit), `reconcile_resumed_at` and `reconcile_last_error` ({code, message, at}: why).",
    auth: "client",
    query: Query,
    responses: { 200: { description: "Refunds", schema: BILLING_ANSWERS.refunds }, ...COMMON_ERRORS },
  },
};
