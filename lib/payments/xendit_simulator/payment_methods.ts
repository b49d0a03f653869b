/**
 * The simulator's reusable Payment Method API (xendit-node 7's PaymentMethod module, `/v2/payment_methods`),
 * the first half of auto-renewal with linked e-wallets (issue 23 item 6): creating an OVO or DANA method with
 * MULTIPLE_USE answers REQUIRES_ACTION and an AUTH action, the account-linking page the customer is sent to
 * (no API key, like Xendit's), approving it makes the method ACTIVE and sends `payment_method.activated`,
 * declining sends `payment_method.failed`; GET reads one, POST …/expire unlinks it (`payment_method.expired`).
 * ShopeePay needs Xendit's approval for linking: refused until `sim.approvedLinkingChannels` includes it.
 * A payment request naming an ACTIVE method (`payment_method_id`) debits it without the customer: PENDING in the
 * answer, then settled right after (`sim.linkedChargeOutcome`: pay or fail, or hold until a test settles it)
 * with its `payment.*` callback.
 * Methods live in the memory of the instance that made them (as refunds do).
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { SimEnv } from "./routes.ts";
import { SimulatorError, type XenditSimulator } from "./simulator.ts";
import { firstIssue, type PaymentRequestInput } from "./validate.ts";
import { paymentRequestBody } from "./bodies.ts";
import type { SimulatorAccount } from "./simulator.ts";

export type PaymentMethodRecord = {
  secretKey: string;
  businessId: string;
  id: string;
  channelCode: string;
  status: "REQUIRES_ACTION" | "ACTIVE" | "EXPIRED" | "FAILED";
  referenceId: string | null;
  customerId: string | null;
  description: string | null;
  successReturnUrl: string | null;
  failureReturnUrl: string | null;
  mobileNumber: string | null;
  metadata: Record<string, unknown> | null;
  failureCode: string | null;
  created: string;
  updated: string;
};

/** Channels Xendit links without asking; others (ShopeePay) wait for the merchant's approval. */
const OPEN_LINKING = new Set(["OVO", "DANA"]);

const ReturnUrl = z.string().url().max(2000);
const PaymentMethodInput = z.object({
  type: z.literal("EWALLET", { message: "type: only EWALLET methods are linked here" }),
  reusability: z.literal("MULTIPLE_USE", { message: "reusability: linking needs MULTIPLE_USE" }),
  country: z.literal("ID").optional(),
  customer_id: z.string().max(255).nullable().optional(),
  reference_id: z.string().max(255).nullable().optional(),
  description: z.string().max(1000).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  ewallet: z.object({
    channel_code: z.enum(["OVO", "DANA", "SHOPEEPAY"]),
    channel_properties: z.object({
      success_return_url: ReturnUrl,
      failure_return_url: ReturnUrl,
      mobile_number: z.string().regex(/^\+62\d{8,13}$/, "mobile_number: +62…").optional(),
    }),
  }),
});

/** The method as the API returns it (snake_case, as xendit-node's PaymentMethodFromJSON reads it). */
export function paymentMethodBody(sim: XenditSimulator, pm: PaymentMethodRecord): Record<string, unknown> {
  return {
    id: pm.id,
    business_id: pm.businessId,
    type: "EWALLET",
    country: "ID",
    customer_id: pm.customerId,
    reference_id: pm.referenceId,
    description: pm.description,
    status: pm.status,
    reusability: "MULTIPLE_USE",
    actions: pm.status === "REQUIRES_ACTION"
      ? [{
        action: "AUTH",
        url_type: "WEB",
        method: "GET",
        url: `${sim.baseUrl}/web/payment_methods/${pm.id}`,
      }]
      : [],
    metadata: pm.metadata,
    billing_information: null,
    failure_code: pm.failureCode,
    created: pm.created,
    updated: pm.updated,
    ewallet: {
      channel_code: pm.channelCode,
      channel_properties: {
        success_return_url: pm.successReturnUrl,
        failure_return_url: pm.failureReturnUrl,
        ...(pm.mobileNumber ? { mobile_number: pm.mobileNumber } : {}),
      },
      account: pm.status === "ACTIVE"
        ? {
          name: null,
          account_details: pm.mobileNumber ?? `${pm.channelCode} account`,
          balance: null,
          point_balance: null,
        }
        : null,
    },
  };
}

/** Moves a method to its next status and sends the matching `payment_method.*` callback. */
export function settlePaymentMethod(
  sim: XenditSimulator,
  id: string,
  outcome: "activate" | "fail" | "expire",
): PaymentMethodRecord {
  const pm = sim.paymentMethods.get(id);
  if (!pm) throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment method not found");
  const from = outcome === "expire" ? ["ACTIVE", "REQUIRES_ACTION"] : ["REQUIRES_ACTION"];
  if (!from.includes(pm.status)) {
    throw new SimulatorError(409, "INVALID_PAYMENT_METHOD_STATUS", `payment method is ${pm.status}`);
  }
  pm.status = outcome === "activate" ? "ACTIVE" : outcome === "fail" ? "FAILED" : "EXPIRED";
  pm.failureCode = outcome === "fail" ? "AUTHORIZATION_DECLINED" : null;
  pm.updated = new Date().toISOString();
  const event = outcome === "activate" ? "activated" : outcome === "fail" ? "failed" : "expired";
  sim.notifyAccount(pm.secretKey, {
    event: `payment_method.${event}`,
    business_id: pm.businessId,
    created: pm.updated,
    data: paymentMethodBody(sim, pm),
  });
  return pm;
}

function ownMethod(sim: XenditSimulator, c: Context<SimEnv>): PaymentMethodRecord {
  const pm = sim.paymentMethods.get(c.req.param("id") ?? "");
  if (!pm || pm.secretKey !== c.var.account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment method not found");
  }
  return pm;
}

/** The account-linking page the AUTH action leads to: the customer approves or declines in their e-wallet. */
export function paymentMethodPages(app: Hono<SimEnv>, sim: XenditSimulator): void {
  app.get("/web/payment_methods/:id", (c) => {
    const pm = sim.paymentMethods.get(c.req.param("id"));
    if (!pm) throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment method not found");
    const waiting = pm.status === "REQUIRES_ACTION";
    return c.html(
      // No favicon to fetch: every other path of the simulator asks for an API key.
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">` +
        `<title>Link ${pm.channelCode}</title></head>` +
        `<body><main><h1>Link your ${pm.channelCode} account</h1><p>Status: ${pm.status}</p>` +
        (waiting
          ? `<form method="post" action="/web/payment_methods/${pm.id}/approve"><button>Approve</button></form>` +
            `<form method="post" action="/web/payment_methods/${pm.id}/decline"><button>Decline</button></form>`
          : "") +
        `</main></body></html>`,
    );
  });
  for (const [path, outcome] of [["approve", "activate"], ["decline", "fail"]] as const) {
    app.post(`/web/payment_methods/:id/${path}`, (c) => {
      const pm = settlePaymentMethod(sim, c.req.param("id"), outcome);
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
    const parsed = PaymentMethodInput.safeParse(raw);
    if (!parsed.success) throw new SimulatorError(400, "API_VALIDATION_ERROR", firstIssue(parsed.error));
    const input = parsed.data;
    const channel = input.ewallet.channel_code;
    if (!OPEN_LINKING.has(channel) && !sim.approvedLinkingChannels.has(channel)) {
      throw new SimulatorError(403, "CHANNEL_NOT_ACTIVATED", `${channel} account linking is not activated`);
    }
    if (channel === "OVO" && !input.ewallet.channel_properties.mobile_number) {
      throw new SimulatorError(400, "API_VALIDATION_ERROR", "mobile_number is required for OVO");
    }
    const now = new Date().toISOString();
    const pm: PaymentMethodRecord = {
      secretKey: c.var.account.secretKey,
      businessId: c.var.account.businessId,
      id: `pm-${crypto.randomUUID()}`,
      channelCode: channel,
      status: "REQUIRES_ACTION",
      referenceId: input.reference_id ?? null,
      customerId: input.customer_id ?? null,
      description: input.description ?? null,
      successReturnUrl: input.ewallet.channel_properties.success_return_url,
      failureReturnUrl: input.ewallet.channel_properties.failure_return_url,
      mobileNumber: input.ewallet.channel_properties.mobile_number ?? null,
      metadata: input.metadata ?? null,
      failureCode: null,
      created: now,
      updated: now,
    };
    sim.paymentMethods.set(pm.id, pm);
    return c.json(paymentMethodBody(sim, pm), 201);
  });
  app.get("/v2/payment_methods/:id", (c) => c.json(paymentMethodBody(sim, ownMethod(sim, c))));
  app.post("/v2/payment_methods/:id/expire", (c) => {
    const pm = ownMethod(sim, c);
    return c.json(paymentMethodBody(sim, settlePaymentMethod(sim, pm.id, "expire")));
  });
}

/** A payment request on a linked method: the merchant debits the customer's linked e-wallet (a renewal). */
export async function chargeLinkedMethod(
  sim: XenditSimulator,
  account: SimulatorAccount,
  input: PaymentRequestInput,
): Promise<Record<string, unknown>> {
  const pm = sim.paymentMethods.get(input.payment_method_id ?? "");
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
    type: "EWALLET" as const,
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
