/**
 * The simulator's Refund API (xendit-node 7's Refund module): POST /refunds with an idempotency key, GET
 * /refunds/:id, and the refund.succeeded / refund.failed callback. Virtual accounts are refused as at Xendit;
 * a refund never exceeds what its charge has left. In test mode a refund settles at once (refundOutcome), or
 * waits for settleRefund when held. Refunds live in the memory of the instance that made them (its callback
 * comes from there); the charges they refund are found through the shared storage.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { SimEnv } from "./routes.ts";
import { SimulatorError, type XenditSimulator } from "./simulator.ts";
import type { DeliveryOptions } from "./webhooks.ts";
import { firstIssue } from "./validate.ts";

export type RefundRecord = {
  secretKey: string;
  businessId: string;
  id: string;
  paymentRequestId: string | null;
  invoiceId: string | null;
  paymentId: string | null;
  paymentMethodType: string;
  channelCode: string;
  amount: number;
  reason: string;
  referenceId: string | null;
  status: "PENDING" | "SUCCEEDED" | "FAILED";
  failureCode: string | null;
  metadata: Record<string, unknown> | null;
  created: string;
  updated: string;
};

const RefundInput = z.object({
  payment_request_id: z.string().min(1).optional(),
  invoice_id: z.string().min(1).optional(),
  reference_id: z.string().max(255).optional(),
  amount: z.number().int().positive().optional(),
  currency: z.literal("IDR").optional(),
  reason: z.enum(["FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS"]),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** The refund as the API returns it (snake_case, as xendit-node's RefundFromJSON reads it). */
export function refundBody(refund: RefundRecord): Record<string, unknown> {
  return {
    id: refund.id,
    payment_request_id: refund.paymentRequestId,
    invoice_id: refund.invoiceId,
    payment_id: refund.paymentId,
    payment_method_type: refund.paymentMethodType,
    amount: refund.amount,
    channel_code: refund.channelCode,
    currency: "IDR",
    status: refund.status,
    reason: refund.reason,
    country: "ID",
    reference_id: refund.referenceId,
    failure_code: refund.failureCode,
    refund_fee_amount: 0,
    created: refund.created,
    updated: refund.updated,
    metadata: refund.metadata,
  };
}

/** The refund callback: { event, business_id, created, data }. */
export function refundCallbackBody(refund: RefundRecord): Record<string, unknown> {
  return {
    event: refund.status === "SUCCEEDED" ? "refund.succeeded" : "refund.failed",
    business_id: refund.businessId,
    created: refund.updated,
    data: refundBody(refund),
  };
}

/** Moves a pending refund to SUCCEEDED or FAILED and sends its callback. */
export function settleRefund(
  sim: XenditSimulator,
  id: string,
  outcome: "succeed" | "fail",
  delivery: DeliveryOptions = {},
): RefundRecord {
  const refund = sim.refunds.get(id);
  if (!refund) throw new SimulatorError(404, "DATA_NOT_FOUND", "Refund not found");
  if (refund.status !== "PENDING") {
    throw new SimulatorError(409, "REFUND_NOT_PENDING", `refund is ${refund.status}`);
  }
  refund.status = outcome === "succeed" ? "SUCCEEDED" : "FAILED";
  refund.failureCode = outcome === "fail" ? "INSUFFICIENT_BALANCE" : null;
  refund.updated = new Date().toISOString();
  sim.notifyAccount(refund.secretKey, refundCallbackBody(refund), delivery);
  return refund;
}

export function refundRoutes(app: Hono<SimEnv>, sim: XenditSimulator): void {
  app.post("/refunds", async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new SimulatorError(400, "API_VALIDATION_ERROR", "request body must be valid JSON");
    }
    const key = c.req.header("idempotency-key")?.slice(0, 255);
    const requestHash = `refund:${JSON.stringify(raw)}`;
    if (key) {
      const prior = await sim.remembered(c.var.account, `refund:${key}`);
      if (prior && prior.requestHash !== requestHash) {
        throw new SimulatorError(
          409,
          "IDEMPOTENCY_ERROR",
          "idempotency-key was already used with another request",
        );
      }
      if (prior) return c.json(prior.body, prior.status as 200);
    }
    const refund = await createRefund(sim, c, raw);
    const body = refundBody(refund);
    const kept = key
      ? await sim.remember(c.var.account, `refund:${key}`, { requestHash, status: 200, body })
      : { body, status: 200 };
    // Test mode settles at once (after this answer), unless the test holds refunds to settle them itself.
    // Only the request that made this refund settles it (a replayed key answers an earlier refund).
    if ((kept.body as { id?: string }).id === refund.id && sim.refundOutcome !== "hold") {
      queueMicrotask(() => settleRefund(sim, refund.id, sim.refundOutcome as "succeed" | "fail"));
    }
    return c.json(kept.body, kept.status as 200);
  });

  app.get("/refunds/:id", (c) => {
    const refund = sim.refunds.get(c.req.param("id"));
    if (!refund || refund.secretKey !== c.var.account.secretKey) {
      throw new SimulatorError(404, "DATA_NOT_FOUND", "Refund not found");
    }
    return c.json(refundBody(refund));
  });
}

async function createRefund(sim: XenditSimulator, c: Context<SimEnv>, raw: unknown): Promise<RefundRecord> {
  const parsed = RefundInput.safeParse(raw);
  if (!parsed.success) throw new SimulatorError(400, "API_VALIDATION_ERROR", firstIssue(parsed.error));
  const input = parsed.data;
  const chargeId = input.payment_request_id ?? input.invoice_id;
  if (!chargeId || (input.payment_request_id && input.invoice_id)) {
    throw new SimulatorError(
      400,
      "API_VALIDATION_ERROR",
      "one of payment_request_id or invoice_id is required",
    );
  }
  const charge = await sim.findCharge(chargeId);
  if (!charge || charge.record.secretKey !== c.var.account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment not found");
  }
  const paid = charge.kind === "invoice"
    ? charge.record.status === "PAID" || charge.record.status === "SETTLED"
    : charge.record.status === "SUCCEEDED";
  if (!paid) throw new SimulatorError(400, "INELIGIBLE_TRANSACTION", "Only a paid payment can be refunded");
  const type = charge.kind === "invoice" ? "EWALLET" : charge.record.type;
  if (type === "VIRTUAL_ACCOUNT") {
    throw new SimulatorError(400, "INELIGIBLE_TRANSACTION", "Virtual account payments cannot be refunded");
  }
  const refunded = [...sim.refunds.values()]
    .filter((r) => (r.paymentRequestId ?? r.invoiceId) === chargeId && r.status !== "FAILED")
    .reduce((sum, r) => sum + r.amount, 0);
  const amount = input.amount ?? charge.record.amount - refunded;
  if (amount < 1 || refunded + amount > charge.record.amount) {
    throw new SimulatorError(
      400,
      "MAXIMUM_REFUND_AMOUNT_REACHED",
      "Refund amount exceeds the refundable amount",
    );
  }
  const now = new Date().toISOString();
  const refund: RefundRecord = {
    secretKey: c.var.account.secretKey,
    businessId: c.var.account.businessId,
    id: `rfd-${crypto.randomUUID()}`,
    paymentRequestId: input.payment_request_id ?? null,
    invoiceId: input.invoice_id ?? null,
    paymentId: charge.record.paymentId,
    paymentMethodType: type,
    channelCode: charge.kind === "invoice"
      ? (charge.record.paymentChannel ?? "GOPAY")
      : charge.record.channelCode,
    amount,
    reason: input.reason,
    referenceId: input.reference_id ?? null,
    status: "PENDING",
    failureCode: null,
    metadata: input.metadata ?? null,
    created: now,
    updated: now,
  };
  sim.refunds.set(refund.id, refund);
  return refund;
}
