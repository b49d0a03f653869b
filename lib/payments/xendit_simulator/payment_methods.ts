/**
 * The simulator's reusable Payment Method API (xendit-node 7's PaymentMethod module, `/v2/payment_methods`) for
 * auto-renewal (issue 23 item 6): creating a MULTIPLE_USE method — an OVO, DANA or ShopeePay account, a BRI or
 * Mandiri direct debit, a card with `cardonfile_type: RECURRING` (payment_method_records.ts) — answers
 * REQUIRES_ACTION with an AUTH action: a page the customer is sent to (no API key, like Xendit's: the e-wallet's
 * or bank's approval, or the card's 3-D Secure challenge) or, for BRI, the OTP sent to the customer's phone,
 * posted back to `/v2/payment_methods/{id}/auth`. Approving makes the method ACTIVE and sends
 * `payment_method.activated`, declining (or a wrong OTP three times) sends `payment_method.failed`; GET reads
 * one, POST …/expire unlinks it (`payment_method.expired`). ShopeePay needs Xendit's approval for linking:
 * refused until `sim.approvedLinkingChannels` includes it.
 * A payment request naming an ACTIVE method (`payment_method_id`) debits it without the customer: PENDING in the
 * answer, then settled right after (`sim.linkedChargeOutcome`: pay or fail, or hold until a test settles it)
 * with its `payment.*` callback.
 * Methods are kept where the simulator keeps charges (sim.saveMethod): with shared storage every instance sees
 * them, and status changes are compare-and-set, so one approval sends one callback.
 */
import type { Context, Hono } from "hono";
import type { SimEnv } from "./routes.ts";
import { SimulatorError, type XenditSimulator } from "./simulator.ts";
import { firstIssue, type PaymentRequestInput } from "./validate.ts";
import { paymentRequestBody } from "./bodies.ts";
import type { SimulatorAccount } from "./simulator.ts";
import {
  newPaymentMethod,
  paymentMethodBody,
  PaymentMethodInput,
  type PaymentMethodRecord,
  TEST_OTP,
} from "./payment_method_records.ts";

export { paymentMethodBody, type PaymentMethodRecord } from "./payment_method_records.ts";

export type MethodOutcome = "activate" | "fail" | "expire";

/** Moves a method to its next status (once, across instances) and sends the matching `payment_method.*` callback. */
export async function settlePaymentMethod(
  sim: XenditSimulator,
  id: string,
  outcome: MethodOutcome,
  failureCode = "AUTHORIZATION_DECLINED",
): Promise<PaymentMethodRecord> {
  const pm = await sim.findMethod(id);
  if (!pm) throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment method not found");
  const from = outcome === "expire" ? ["ACTIVE", "REQUIRES_ACTION"] : ["REQUIRES_ACTION"];
  if (!from.includes(pm.status)) {
    throw new SimulatorError(409, "INVALID_PAYMENT_METHOD_STATUS", `payment method is ${pm.status}`);
  }
  const next: PaymentMethodRecord = {
    ...pm,
    status: outcome === "activate" ? "ACTIVE" : outcome === "fail" ? "FAILED" : "EXPIRED",
    failureCode: outcome === "fail" ? failureCode : null,
    updated: new Date().toISOString(),
  };
  if (!(await sim.moveMethod(next, from))) {
    throw new SimulatorError(409, "INVALID_PAYMENT_METHOD_STATUS", "the payment method changed meanwhile");
  }
  const event = outcome === "activate" ? "activated" : outcome === "fail" ? "failed" : "expired";
  sim.notifyAccount(next.secretKey, {
    event: `payment_method.${event}`,
    business_id: next.businessId,
    created: next.updated,
    data: paymentMethodBody(sim, next),
  });
  return next;
}

async function ownMethod(sim: XenditSimulator, c: Context<SimEnv>): Promise<PaymentMethodRecord> {
  const pm = await sim.findMethod(c.req.param("id") ?? "");
  if (!pm || pm.secretKey !== c.var.account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment method not found");
  }
  return pm;
}

function pageTitle(pm: PaymentMethodRecord): string {
  if (pm.type === "CARD") {
    return `3-D Secure: confirm your ${pm.channelCode} card •••• ${pm.maskedCardNumber?.slice(-4)}`;
  }
  if (pm.type === "DIRECT_DEBIT") return `Link your ${pm.channelCode} account for direct debit`;
  return `Link your ${pm.channelCode} account`;
}

/** The page the AUTH action leads to: the customer approves or declines (e-wallet, bank, or 3-D Secure). */
export function paymentMethodPages(app: Hono<SimEnv>, sim: XenditSimulator): void {
  app.get("/web/payment_methods/:id", async (c) => {
    const pm = await sim.findMethod(c.req.param("id"));
    if (!pm) throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment method not found");
    const waiting = pm.status === "REQUIRES_ACTION";
    const title = pageTitle(pm);
    return c.html(
      // No favicon to fetch: every other path of the simulator asks for an API key.
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">` +
        `<title>${title}</title></head>` +
        `<body><main><h1>${title}</h1><p>Status: ${pm.status}</p>` +
        (waiting
          ? `<form method="post" action="${sim.baseUrl}/web/payment_methods/${pm.id}/approve"><button>Approve</button></form>` +
            `<form method="post" action="${sim.baseUrl}/web/payment_methods/${pm.id}/decline"><button>Decline</button></form>`
          : "") +
        `</main></body></html>`,
    );
  });
  for (const [path, outcome] of [["approve", "activate"], ["decline", "fail"]] as const) {
    app.post(`/web/payment_methods/:id/${path}`, async (c) => {
      const pm = await settlePaymentMethod(sim, c.req.param("id"), outcome);
      const back = outcome === "activate" ? pm.successReturnUrl : pm.failureReturnUrl;
      return c.redirect(back ?? `${sim.baseUrl}/web/payment_methods/${pm.id}`, 303);
    });
  }
}

/** The API itself (behind the simulator's Basic-auth check). */
export function paymentMethodRoutes(app: Hono<SimEnv>, sim: XenditSimulator): void {
  app.post("/v2/payment_methods", async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new SimulatorError(400, "API_VALIDATION_ERROR", "request body must be valid JSON");
    }
    if (c.var.publishable && (raw as { type?: unknown } | null)?.type !== "CARD") {
      throw new SimulatorError(403, "INVALID_API_KEY", "A public key may only tokenise cards");
    }
    const parsed = PaymentMethodInput.safeParse(raw);
    if (!parsed.success) throw new SimulatorError(400, "API_VALIDATION_ERROR", firstIssue(parsed.error));
    const pm = newPaymentMethod(c.var.account, parsed.data, sim.approvedLinkingChannels);
    await sim.saveMethod(c.var.account, pm);
    return c.json(paymentMethodBody(sim, pm), 201);
  });
  app.get("/v2/payment_methods/:id", async (c) => c.json(paymentMethodBody(sim, await ownMethod(sim, c))));
  // The merchant names a method the browser made (Xendit.js) with its own reference_id.
  app.patch("/v2/payment_methods/:id", async (c) => {
    const pm = await ownMethod(sim, c);
    const body = await c.req.json().catch(() => null) as
      | { reference_id?: unknown; description?: unknown }
      | null;
    const text = (value: unknown) => typeof value === "string" && value.length <= 255;
    if (
      !body || (body.reference_id !== undefined && !text(body.reference_id)) ||
      (body.description !== undefined && !text(body.description))
    ) {
      throw new SimulatorError(400, "API_VALIDATION_ERROR", "reference_id and description: text up to 255");
    }
    const next: PaymentMethodRecord = {
      ...pm,
      referenceId: (body.reference_id as string | undefined) ?? pm.referenceId,
      description: (body.description as string | undefined) ?? pm.description,
      updated: new Date().toISOString(),
    };
    if (!(await sim.moveMethod(next, [pm.status]))) {
      throw new SimulatorError(409, "INVALID_PAYMENT_METHOD_STATUS", "the payment method changed meanwhile");
    }
    return c.json(paymentMethodBody(sim, next));
  });
  app.post("/v2/payment_methods/:id/expire", async (c) => {
    const pm = await ownMethod(sim, c);
    return c.json(paymentMethodBody(sim, await settlePaymentMethod(sim, pm.id, "expire")));
  });
  // Direct debit with an OTP (BRI): the code the bank sent to the customer's phone. Test mode accepts 333000;
  // any other code is refused (the method stays waiting) and the customer may try again.
  app.post("/v2/payment_methods/:id/auth", async (c) => {
    const pm = await ownMethod(sim, c);
    const body = await c.req.json().catch(() => null) as { auth_code?: unknown } | null;
    if (typeof body?.auth_code !== "string" || !/^\d{6}$/.test(body.auth_code)) {
      throw new SimulatorError(400, "API_VALIDATION_ERROR", "auth_code: the 6-digit code");
    }
    if (pm.type !== "DIRECT_DEBIT" || pm.channelCode !== "BRI" || pm.status !== "REQUIRES_ACTION") {
      throw new SimulatorError(409, "INVALID_PAYMENT_METHOD_STATUS", `payment method is ${pm.status}`);
    }
    if (body.auth_code !== TEST_OTP) throw new SimulatorError(400, "INVALID_OTP_ERROR", "the OTP is wrong");
    return c.json(paymentMethodBody(sim, await settlePaymentMethod(sim, pm.id, "activate")));
  });
}

/** A payment request on a linked method: the merchant debits the customer's linked account or card (a renewal). */
export async function chargeLinkedMethod(
  sim: XenditSimulator,
  account: SimulatorAccount,
  input: PaymentRequestInput,
): Promise<Record<string, unknown>> {
  const pm = await sim.findMethod(input.payment_method_id ?? "");
  if (!pm || pm.secretKey !== account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment method not found");
  }
  if (pm.status !== "ACTIVE") {
    throw new SimulatorError(400, "INVALID_PAYMENT_METHOD", `payment method is ${pm.status}, not ACTIVE`);
  }
  // The outcome is the one set when the request came in, whatever the test sets while the charge is stored.
  const outcome = sim.linkedChargeOutcome;
  const now = new Date().toISOString();
  const record = {
    secretKey: account.secretKey,
    id: `pr-${crypto.randomUUID()}`,
    paymentMethodId: pm.id,
    businessId: account.businessId,
    referenceId: input.reference_id,
    amount: input.amount,
    currency: "IDR" as const,
    description: input.description ?? null,
    metadata: input.metadata ?? null,
    type: pm.type ?? "EWALLET",
    channelCode: pm.channelCode,
    channelProperties: pm.mobileNumber ? { mobile_number: pm.mobileNumber } : {},
    status: "PENDING" as const,
    failureCode: null,
    created: now,
    updated: now,
    paymentId: null,
    linked: true,
  };
  await sim.store(account, { kind: "payment_request", record });
  // Debited after the answer, as Xendit does: the callback may still reach the app before it records the charge.
  if (outcome !== "hold") queueMicrotask(() => void sim.settle(record.id, outcome).catch(() => {}));
  return paymentRequestBody(record);
}
