/** The simulator's HTTP surface: Xendit's endpoints, a hosted invoice page, and test-mode controls. */
import { Hono } from "hono";
import type { Context } from "hono";
import { invoiceBody, type InvoiceRecord, MERCHANT_NAME, paymentRequestBody } from "./bodies.ts";
import { qrisString } from "./qris.ts";
import type { SimulatorAccount, XenditSimulator } from "./simulator.ts";
import { SimulatorError } from "./simulator.ts";
import { channelProblem, firstIssue, InvoiceInput, PaymentRequestInput } from "./validate.ts";
import { hex } from "@/lib/secrets.ts";
import { refundRoutes } from "./refunds.ts";
import { chargeLinkedMethod, paymentMethodPages, paymentMethodRoutes } from "./payment_methods.ts";
import { publicKeyAllows, publicKeyBusiness, xenditJsRoutes } from "./xendit_js.ts";

/** `publishable`: the call came with a publishable key (Xendit.js in a browser), which may only tokenise a card. */
export type SimEnv = { Variables: { account: SimulatorAccount; publishable: boolean } };

const HOUR = 3600_000;

export function simulatorApp(sim: XenditSimulator): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  app.onError((error, c) => {
    if (error instanceof SimulatorError) {
      return c.json({ error_code: error.errorCode, message: error.message }, error.status as 400);
    }
    return c.json({ error_code: "SERVER_ERROR", message: "An unexpected error occurred" }, 500);
  });

  // The hosted invoice page (Xendit's checkout): no API key, like the real one.
  app.get("/web/invoices/:id", async (c) => {
    const invoice = await anyInvoice(sim, c.req.param("id"));
    return c.html(invoicePage(sim, invoice.id, invoice.amount, invoice.status, invoice.description ?? ""));
  });
  app.post("/web/invoices/:id/pay", async (c) => {
    const invoice = await anyInvoice(sim, c.req.param("id"));
    const page = `${sim.baseUrl}/web/invoices/${invoice.id}`;
    // An expired invoice is not paid: back to its page, which says so, rather than on to the success URL.
    if (invoice.status === "EXPIRED") return c.redirect(page, 303);
    if (invoice.status === "PENDING") await sim.settle(invoice.id, "pay");
    return c.redirect(invoice.successRedirectUrl ?? page, 303);
  });

  paymentMethodPages(app, sim);
  xenditJsRoutes(app, sim);

  app.use("*", async (c, next) => {
    const key = basicUser(c.req.header("authorization"));
    const business = key === null ? null : publicKeyBusiness(key);
    if (business !== null && !publicKeyAllows(c.req.method, c.req.path)) {
      return c.json({ error_code: "INVALID_API_KEY", message: "A public key may only tokenise cards" }, 403);
    }
    const account = business !== null
      ? await sim.publishableAccount(business)
      : key === null
      ? null
      : await sim.account(key);
    if (!account) {
      return c.json({
        error_code: "INVALID_API_KEY",
        message: "API key is not authorized for this API service",
      }, 401);
    }
    c.set("account", account);
    c.set("publishable", business !== null);
    await next();
    if (business !== null) c.res.headers.set("access-control-allow-origin", "*");
  });

  app.post("/payment_requests", async (c) => {
    const raw = await jsonBody(c);
    const key = c.req.header("idempotency-key")?.slice(0, 255);
    const requestHash = JSON.stringify(raw);
    if (key) {
      const prior = await sim.remembered(c.var.account, key);
      if (prior && prior.requestHash !== requestHash) {
        throw new SimulatorError(
          409,
          "IDEMPOTENCY_ERROR",
          "idempotency-key was already used with another request",
        );
      }
      if (prior) return c.json(prior.body, prior.status as 201);
    }
    const parsed = PaymentRequestInput.safeParse(raw);
    if (!parsed.success) throw new SimulatorError(400, "API_VALIDATION_ERROR", firstIssue(parsed.error));
    const problem = channelProblem(parsed.data);
    if (problem) throw new SimulatorError(400, "API_VALIDATION_ERROR", problem);
    const body = parsed.data.payment_method_id
      ? await chargeLinkedMethod(sim, c.var.account, parsed.data)
      : await createPaymentRequest(sim, c.var.account, parsed.data);
    if (key) {
      // Another instance may have answered the same key meanwhile: the first answer stays the answer.
      const kept = await sim.remember(c.var.account, key, { requestHash, status: 201, body });
      return c.json(kept.body, kept.status as 201);
    }
    return c.json(body, 201);
  });

  app.get("/payment_requests/:id", async (c) => c.json(paymentRequestBody(await ownPaymentRequest(sim, c))));

  app.post("/payment_requests/:id/payments/simulate", async (c) => {
    const pr = await ownPaymentRequest(sim, c);
    if (pr.type === "EWALLET") {
      throw new SimulatorError(
        400,
        "API_VALIDATION_ERROR",
        "simulation is only available for QR_CODE and VIRTUAL_ACCOUNT",
      );
    }
    await sim.settle(pr.id, "pay");
    return c.json({ status: "SUCCEEDED", message: "Payment simulation has been processed" });
  });

  const createInvoice = async (c: Context<SimEnv>) => {
    const parsed = InvoiceInput.safeParse(await jsonBody(c));
    if (!parsed.success) throw new SimulatorError(400, "API_VALIDATION_ERROR", firstIssue(parsed.error));
    const input = parsed.data;
    const now = new Date();
    const id = hexId();
    const record: InvoiceRecord & { secretKey: string } = {
      secretKey: c.var.account.secretKey,
      id,
      externalId: input.external_id,
      userId: c.var.account.businessId,
      amount: input.amount,
      payerEmail: input.payer_email ?? null,
      description: input.description ?? null,
      paymentMethods: input.payment_methods ?? [],
      status: "PENDING",
      expiryDate: new Date(now.getTime() + (input.invoice_duration ?? 86_400) * 1000).toISOString(),
      successRedirectUrl: input.success_redirect_url ?? null,
      failureRedirectUrl: input.failure_redirect_url ?? null,
      metadata: input.metadata ?? null,
      created: now.toISOString(),
      updated: now.toISOString(),
      paidAt: null,
      paymentChannel: null,
      paymentId: null,
    };
    await sim.store(c.var.account, { kind: "invoice", record });
    return c.json(invoiceBody(record, sim.baseUrl));
  };
  app.post("/v2/invoices/", createInvoice);
  app.post("/v2/invoices", createInvoice);

  app.get("/v2/invoices", async (c) => {
    const externalId = c.req.query("external_id");
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 10) || 10, 1), 100);
    const list = await sim.listInvoices(c.var.account, externalId, limit);
    return c.json(list.map((inv) => invoiceBody(inv, sim.baseUrl)));
  });
  app.get("/v2/invoices/:id", async (c) => c.json(invoiceBody(await ownInvoice(sim, c), sim.baseUrl)));

  app.post("/invoices/:id/expire!", async (c) => {
    const invoice = await ownInvoice(sim, c);
    await sim.settle(invoice.id, "expire");
    return c.json(invoiceBody(await ownInvoice(sim, c), sim.baseUrl));
  });

  // Test-mode controls that Xendit offers in its dashboard rather than its API.
  app.post("/_simulator/:kind/:id/:action", async (c) => {
    const { kind, id, action } = c.req.param();
    if (kind === "payment_requests") await ownPaymentRequest(sim, c);
    else if (kind === "invoices") await ownInvoice(sim, c);
    else throw new SimulatorError(404, "NOT_FOUND", "unknown simulator control");
    if (action !== "pay" && action !== "fail" && action !== "expire") {
      throw new SimulatorError(404, "NOT_FOUND", "unknown simulator control");
    }
    if (action === "fail" && kind === "invoices") {
      throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment request not found");
    }
    await sim.settle(id, action);
    return c.json({ status: "OK" });
  });

  refundRoutes(app, sim);
  paymentMethodRoutes(app, sim);

  app.notFound((c) => c.json({ error_code: "NOT_FOUND", message: "Endpoint not found" }, 404));
  return app;
}

/** The key of a Basic authorization header (the user part; the password is empty), or null. */
function basicUser(header: string | undefined): string | null {
  const match = header?.match(/^Basic ([A-Za-z0-9+/=]+)$/);
  if (!match) return null;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : decoded.slice(0, colon);
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new SimulatorError(400, "API_VALIDATION_ERROR", "request body must be valid JSON");
  }
}

async function ownPaymentRequest(sim: XenditSimulator, c: Context<SimEnv>) {
  const charge = await sim.findCharge(c.req.param("id") ?? "");
  if (charge?.kind !== "payment_request" || charge.record.secretKey !== c.var.account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment request not found");
  }
  return charge.record;
}

async function ownInvoice(sim: XenditSimulator, c: Context<SimEnv>) {
  const charge = await sim.findCharge(c.req.param("id") ?? "");
  if (charge?.kind !== "invoice" || charge.record.secretKey !== c.var.account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Could not find invoice");
  }
  return charge.record;
}

/** An invoice by id alone: the hosted page, whose unguessable id is the capability (as at Xendit). */
async function anyInvoice(sim: XenditSimulator, id: string) {
  const charge = /^[0-9a-f]{24}$/.test(id) ? await sim.findCharge(id) : undefined;
  if (charge?.kind !== "invoice") throw new SimulatorError(404, "DATA_NOT_FOUND", "Could not find invoice");
  return charge.record;
}

async function createPaymentRequest(
  sim: XenditSimulator,
  account: SimulatorAccount,
  input: PaymentRequestInput,
) {
  const now = new Date();
  const id = `pr-${crypto.randomUUID()}`;
  const method = input.payment_method!;
  const expiresAt = (given?: string, hours = 48) =>
    given ? new Date(given).toISOString() : new Date(now.getTime() + hours * HOUR).toISOString();
  let channelCode: string;
  let channelProperties: Record<string, unknown>;
  if (method.type === "QR_CODE") {
    channelCode = "QRIS";
    channelProperties = {
      qr_string: qrisString(input.amount, id),
      expires_at: expiresAt(method.qr_code?.channel_properties?.expires_at),
    };
  } else if (method.type === "VIRTUAL_ACCOUNT") {
    const va = method.virtual_account!;
    channelCode = va.channel_code;
    channelProperties = {
      customer_name: va.channel_properties.customer_name,
      virtual_account_number: vaNumber(va.channel_code),
      expires_at: expiresAt(va.channel_properties.expires_at, 24),
    };
  } else {
    const ew = method.ewallet!;
    channelCode = ew.channel_code;
    channelProperties = { ...(ew.channel_properties ?? {}) };
  }
  const record = {
    secretKey: account.secretKey,
    id,
    paymentMethodId: `pm-${crypto.randomUUID()}`,
    businessId: account.businessId,
    referenceId: input.reference_id,
    amount: input.amount,
    currency: "IDR" as const,
    description: input.description ?? null,
    metadata: input.metadata ?? null,
    type: method.type,
    channelCode,
    channelProperties,
    status: "PENDING" as const,
    failureCode: null,
    created: now.toISOString(),
    updated: now.toISOString(),
    paymentId: null,
  };
  await sim.store(account, { kind: "payment_request", record });
  return paymentRequestBody(record);
}

const VA_PREFIX: Record<string, string> = {
  BCA: "70012",
  BNI: "8808",
  BRI: "26215",
  MANDIRI: "88908",
  PERMATA: "8214",
};

function vaNumber(bank: string): string {
  const digits = Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => String(b % 10)).join("");
  return (VA_PREFIX[bank] ?? "9999") + digits;
}

function hexId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(12)));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function invoicePage(
  sim: XenditSimulator,
  id: string,
  amount: number,
  status: string,
  description: string,
): string {
  const pay = status === "PENDING"
    ? `<form method="post" action="${sim.baseUrl}/web/invoices/${id}/pay"><button type="submit">Pay with GoPay</button></form>`
    : `<p>This invoice is ${escapeHtml(status.toLowerCase())}.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invoice ${id}</title></head>` +
    `<body><main><h1>${escapeHtml(MERCHANT_NAME)}</h1><p>${escapeHtml(description)}</p>` +
    `<p>Amount: IDR <strong>${amount.toLocaleString("id-ID")}</strong></p>${pay}` +
    `<p><small>Xendit simulator (test mode): no money moves.</small></p></main></body></html>`;
}
