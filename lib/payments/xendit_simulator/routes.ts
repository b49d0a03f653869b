/** The simulator's HTTP surface: Xendit's endpoints, a hosted invoice page, and test-mode controls. */
import { Hono } from "hono";
import type { Context } from "hono";
import { invoiceBody, MERCHANT_NAME, paymentRequestBody } from "./bodies.ts";
import { qrisString } from "./qris.ts";
import type { SimulatorAccount, XenditSimulator } from "./simulator.ts";
import { SimulatorError } from "./simulator.ts";
import { channelProblem, firstIssue, InvoiceInput, PaymentRequestInput } from "./validate.ts";
import { hex } from "../../secrets.ts";

export type SimEnv = { Variables: { account: SimulatorAccount } };

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
  app.get("/web/invoices/:id", (c) => {
    const invoice = sim.invoices.get(c.req.param("id"));
    if (!invoice) throw new SimulatorError(404, "DATA_NOT_FOUND", "Could not find invoice");
    return c.html(invoicePage(sim, invoice.id, invoice.amount, invoice.status, invoice.description ?? ""));
  });
  app.post("/web/invoices/:id/pay", (c) => {
    const invoice = sim.invoices.get(c.req.param("id"));
    if (!invoice) throw new SimulatorError(404, "DATA_NOT_FOUND", "Could not find invoice");
    if (invoice.status === "PENDING") sim.pay(invoice.id);
    return c.redirect(invoice.successRedirectUrl ?? `${sim.baseUrl}/web/invoices/${invoice.id}`, 303);
  });

  app.use("*", async (c, next) => {
    const account = await accountFor(sim, c.req.header("authorization"));
    if (!account) {
      return c.json({
        error_code: "INVALID_API_KEY",
        message: "API key is not authorized for this API service",
      }, 401);
    }
    c.set("account", account);
    await next();
  });

  app.post("/payment_requests", async (c) => {
    const raw = await jsonBody(c);
    const key = c.req.header("idempotency-key");
    const replayKey = key ? `${c.var.account.secretKey}\0${key}` : null;
    const requestHash = JSON.stringify(raw);
    if (replayKey) {
      const prior = sim.idempotency.get(replayKey);
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
    const body = createPaymentRequest(sim, c.var.account, parsed.data);
    if (replayKey) sim.idempotency.set(replayKey, { requestHash, status: 201, body });
    return c.json(body, 201);
  });

  app.get("/payment_requests/:id", (c) => c.json(paymentRequestBody(ownPaymentRequest(sim, c))));

  app.post("/payment_requests/:id/payments/simulate", (c) => {
    const pr = ownPaymentRequest(sim, c);
    if (pr.type === "EWALLET") {
      throw new SimulatorError(
        400,
        "API_VALIDATION_ERROR",
        "simulation is only available for QR_CODE and VIRTUAL_ACCOUNT",
      );
    }
    sim.pay(pr.id);
    return c.json({ status: "SUCCEEDED", message: "Payment simulation has been processed" });
  });

  const createInvoice = async (c: Context<SimEnv>) => {
    const parsed = InvoiceInput.safeParse(await jsonBody(c));
    if (!parsed.success) throw new SimulatorError(400, "API_VALIDATION_ERROR", firstIssue(parsed.error));
    const input = parsed.data;
    const now = new Date();
    const id = hexId();
    sim.invoices.set(id, {
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
    });
    return c.json(invoiceBody(sim.invoices.get(id)!, sim.baseUrl));
  };
  app.post("/v2/invoices/", createInvoice);
  app.post("/v2/invoices", createInvoice);

  app.get("/v2/invoices", (c) => {
    const externalId = c.req.query("external_id");
    const list = [...sim.invoices.values()]
      .filter((inv) => inv.secretKey === c.var.account.secretKey)
      .filter((inv) => externalId === undefined || inv.externalId === externalId)
      .sort((a, b) => b.created.localeCompare(a.created))
      .slice(0, Number(c.req.query("limit") ?? 10) || 10);
    return c.json(list.map((inv) => invoiceBody(inv, sim.baseUrl)));
  });
  app.get("/v2/invoices/:id", (c) => c.json(invoiceBody(ownInvoice(sim, c), sim.baseUrl)));

  app.post("/invoices/:id/expire!", (c) => {
    const invoice = ownInvoice(sim, c);
    sim.expire(invoice.id);
    return c.json(invoiceBody(invoice, sim.baseUrl));
  });

  // Test-mode controls that Xendit offers in its dashboard rather than its API.
  app.post("/_simulator/:kind/:id/:action", (c) => {
    const { kind, id, action } = c.req.param();
    if (kind === "payment_requests") ownPaymentRequest(sim, c);
    else if (kind === "invoices") ownInvoice(sim, c);
    else throw new SimulatorError(404, "NOT_FOUND", "unknown simulator control");
    if (action === "pay") sim.pay(id);
    else if (action === "fail") sim.fail(id);
    else if (action === "expire") sim.expire(id);
    else throw new SimulatorError(404, "NOT_FOUND", "unknown simulator control");
    return c.json({ status: "OK" });
  });

  app.notFound((c) => c.json({ error_code: "NOT_FOUND", message: "Endpoint not found" }, 404));
  return app;
}

async function accountFor(
  sim: XenditSimulator,
  header: string | undefined,
): Promise<SimulatorAccount | null> {
  const match = header?.match(/^Basic ([A-Za-z0-9+/=]+)$/);
  if (!match) return null;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : await sim.account(decoded.slice(0, colon));
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new SimulatorError(400, "API_VALIDATION_ERROR", "request body must be valid JSON");
  }
}

function ownPaymentRequest(sim: XenditSimulator, c: Context<SimEnv>) {
  const pr = sim.paymentRequests.get(c.req.param("id") ?? "");
  if (!pr || pr.secretKey !== c.var.account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment request not found");
  }
  return pr;
}

function ownInvoice(sim: XenditSimulator, c: Context<SimEnv>) {
  const invoice = sim.invoices.get(c.req.param("id") ?? "");
  if (!invoice || invoice.secretKey !== c.var.account.secretKey) {
    throw new SimulatorError(404, "DATA_NOT_FOUND", "Could not find invoice");
  }
  return invoice;
}

function createPaymentRequest(sim: XenditSimulator, account: SimulatorAccount, input: PaymentRequestInput) {
  const now = new Date();
  const id = `pr-${crypto.randomUUID()}`;
  const method = input.payment_method;
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
  sim.paymentRequests.set(id, record);
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
