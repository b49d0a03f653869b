import assert from "node:assert/strict";
import { Xendit, XenditSdkError } from "xendit-node";
import { InvoiceCallbackFromJSON } from "xendit-node/invoice/models/index.js";
import { PaymentCallbackFromJSON } from "xendit-node/payment_request/models/index.js";
import { ChargeError, type ChargeRequest, createCharge, fetchCharge } from "@/lib/payments/xendit.ts";
import { crc16 } from "@/lib/payments/xendit_simulator/qris.ts";
import { serveReceiver, serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

const receiver = serveReceiver();
const served = serveSimulator({ webhookUrl: receiver.url });
const connection = { secretKey: TEST_SECRET_KEY, baseUrl: served.url, timeoutMs: 30_000 };
Deno.test.afterAll(async () => {
  await served.close();
  await receiver.close();
});

function request(overrides: Partial<ChargeRequest>): ChargeRequest {
  return {
    method: "qris",
    amount: 99_000,
    reference: `chk_${crypto.randomUUID()}`,
    idempotencyKey: crypto.randomUUID(),
    description: "Pro, one month",
    customerName: "Ayu Lestari",
    expiresAt: new Date(Date.now() + 3600_000),
    metadata: { project_id: "proj_test" },
    ...overrides,
  };
}

async function sdkError(promise: Promise<unknown>): Promise<XenditSdkError> {
  const error = await promise.then(() => assert.fail("expected an error"), (e) => e);
  assert.ok(error instanceof XenditSdkError, String(error));
  return error;
}

Deno.test("xendit simulator — Basic auth: an unknown key is 401 INVALID_API_KEY", async () => {
  const xendit = new Xendit({ secretKey: "xnd_development_wrong", xenditURL: served.url });
  const error = await sdkError(xendit.Invoice.getInvoices({}));
  assert.equal(error.status, 401);
  assert.equal(error.errorCode, "INVALID_API_KEY");
  const bare = await fetch(`${served.url}/v2/invoices`);
  assert.equal(bare.status, 401);
  await bare.body?.cancel();
});

Deno.test("xendit simulator — QRIS through xendit-node: qr_string, GET, simulate, payment.succeeded callback", async () => {
  const charge = await createCharge(connection, request({}));
  assert.equal(charge.kind, "payment_request");
  assert.equal(charge.status, "pending");
  const qr = charge.details.qr_string;
  assert.match(qr, /^000201/);
  assert.equal(qr.slice(-4), crc16(qr.slice(0, -4)), "QRIS CRC is valid");
  assert.ok(qr.includes("540599000"), "the amount is in the payload");

  const xendit = new Xendit({ secretKey: TEST_SECRET_KEY, xenditURL: served.url });
  const fetched = await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: charge.providerId });
  assert.equal(fetched.status, "PENDING");
  assert.equal(fetched.paymentMethod.qrCode?.channelProperties?.qrString, qr);

  const before = receiver.received.length;
  const simulated = await xendit.PaymentRequest.simulatePaymentRequestPayment({
    paymentRequestId: charge.providerId,
  });
  assert.equal(simulated.status, "SUCCEEDED");
  await served.sim.webhooks.idle();
  const callback = receiver.received.slice(before).find((r) =>
    (r.body as { data: { payment_request_id: string } }).data.payment_request_id === charge.providerId
  );
  assert.ok(callback);
  assert.equal(callback.token, TEST_CALLBACK_TOKEN);
  const parsed = PaymentCallbackFromJSON(callback.body);
  assert.equal(parsed.event, "payment.succeeded");
  assert.equal(parsed.data?.status, "SUCCEEDED");
  assert.equal(parsed.data?.amount, 99_000);
  assert.equal((await fetchCharge(connection, "payment_request", charge.providerId)).status, "paid");
});

Deno.test("xendit simulator — idempotency-key replays the first answer and refuses another body", async () => {
  const key = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + 3600_000);
  const first = await createCharge(
    connection,
    request({ idempotencyKey: key, reference: "chk_same", expiresAt }),
  );
  const again = await createCharge(
    connection,
    request({ idempotencyKey: key, reference: "chk_same", expiresAt }),
  );
  assert.equal(again.providerId, first.providerId);
  assert.equal(again.details.qr_string, first.details.qr_string);
  const other = await createCharge(
    connection,
    request({ idempotencyKey: key, reference: "chk_other", expiresAt }),
  )
    .catch((e) => e);
  assert.ok(other instanceof ChargeError);
  assert.equal(other.status, 409);
});

Deno.test("xendit simulator — bank transfer: a virtual account number per bank; BCA under 10,000 refused", async () => {
  for (const bank of ["BCA", "BNI", "MANDIRI"] as const) {
    const charge = await createCharge(connection, request({ method: "bank_transfer", bank }));
    assert.equal(charge.details.bank, bank);
    assert.match(charge.details.virtual_account_number, /^\d{12,16}$/);
  }
  // Astapa refuses before calling…
  const local = await createCharge(
    connection,
    request({ method: "bank_transfer", bank: "BCA", amount: 5_000 }),
  )
    .catch((e) => e);
  assert.ok(local instanceof ChargeError && local.code === "limit");
  // …and the simulator refuses the same as Xendit when called directly.
  const xendit = new Xendit({ secretKey: TEST_SECRET_KEY, xenditURL: served.url });
  const error = await sdkError(xendit.PaymentRequest.createPaymentRequest({
    data: {
      referenceId: "chk_x",
      amount: 5_000,
      currency: "IDR",
      paymentMethod: {
        type: "VIRTUAL_ACCOUNT",
        reusability: "ONE_TIME_USE",
        virtualAccount: { channelCode: "BCA", channelProperties: { customerName: "Ayu" } },
      },
    },
  }));
  assert.equal(error.status, 400);
  assert.equal(error.errorCode, "API_VALIDATION_ERROR");
  assert.match(error.errorMessage ?? "", /BCA/);
});

Deno.test("xendit simulator — OVO needs a +628 number and at least IDR 100", async () => {
  const charge = await createCharge(connection, request({ method: "ovo", mobileNumber: "+6281234567890" }));
  assert.equal(charge.details.mobile_number, "+6281234567890");
  const badNumber = await createCharge(connection, request({ method: "ovo", mobileNumber: "0812" })).catch((
    e,
  ) => e);
  assert.ok(badNumber instanceof ChargeError);
  assert.equal(badNumber.code, "API_VALIDATION_ERROR");
  const tooSmall = await createCharge(
    connection,
    request({ method: "ovo", amount: 99, mobileNumber: "+6281234567890" }),
  )
    .catch((e) => e);
  assert.ok(tooSmall instanceof ChargeError && tooSmall.code === "limit");
});

Deno.test("xendit simulator — QRIS over 10,000,000 is refused before Xendit is called", async () => {
  const count = served.sim.paymentRequests.size;
  const error = await createCharge(connection, request({ amount: 10_000_001 })).catch((e) => e);
  assert.ok(error instanceof ChargeError && error.code === "limit");
  assert.match(error.message, /10,000,000/);
  assert.equal(served.sim.paymentRequests.size, count);
});

Deno.test("xendit simulator — GoPay invoice: complete body, external_id looked up before creating, expire, PAID callback", async () => {
  const reference = `chk_${crypto.randomUUID()}`;
  const first = await createCharge(
    connection,
    request({ method: "gopay", reference, successUrl: "https://app.example/ok" }),
  );
  const second = await createCharge(
    connection,
    request({ method: "gopay", reference, successUrl: "https://app.example/ok" }),
  );
  assert.equal(second.providerId, first.providerId, "the same billing period reuses its invoice");
  assert.match(first.details.invoice_url, new RegExp(`^${served.url}/web/invoices/`));

  const xendit = new Xendit({ secretKey: TEST_SECRET_KEY, xenditURL: served.url });
  const invoice = await xendit.Invoice.getInvoiceById({ invoiceId: first.providerId });
  assert.equal(invoice.externalId, reference);
  assert.deepEqual(invoice.availableEwallets.map((e) => e.ewalletType), ["GOPAY"]);
  assert.ok(invoice.expiryDate instanceof Date && invoice.created instanceof Date);
  assert.equal((await xendit.Invoice.getInvoices({ externalId: reference })).length, 1);

  // The hosted page pays it and sends the PAID callback.
  const before = receiver.received.length;
  const page = await fetch(first.details.invoice_url);
  assert.match(await page.text(), /Pay with GoPay/);
  const paid = await fetch(`${first.details.invoice_url}/pay`, { method: "POST", redirect: "manual" });
  assert.equal(paid.status, 303);
  assert.equal(paid.headers.get("location"), "https://app.example/ok");
  await served.sim.webhooks.idle();
  const callback = InvoiceCallbackFromJSON(receiver.received[before].body);
  assert.equal(callback.id, first.providerId);
  assert.equal(callback.status, "PAID");
  assert.equal(callback.externalId, reference);
  assert.equal(callback.paymentChannel, "GOPAY");

  // A paid invoice cannot be expired; a fresh one can, through the SDK.
  const other = await createCharge(connection, request({ method: "gopay" }));
  const expired = await xendit.Invoice.expireInvoice({ invoiceId: other.providerId });
  assert.equal(expired.status, "EXPIRED");
  const afterExpiry = await createCharge(
    connection,
    request({ method: "gopay", reference, successUrl: "https://app.example/ok" }),
  );
  assert.equal(afterExpiry.providerId, first.providerId, "a PAID invoice is found again, not duplicated");
  // Only with the same terms: another redirect or amount under this external_id is never adopted.
  for (
    const terms of [{ successUrl: "https://evil.example/" }, {
      successUrl: "https://app.example/ok",
      amount: 1000,
    }]
  ) {
    const mismatched = await createCharge(connection, request({ method: "gopay", reference, ...terms }));
    assert.notEqual(mismatched.providerId, first.providerId, JSON.stringify(terms));
  }
});

Deno.test("xendit simulator — webhook sender retries on non-2xx, can send twice and with a wrong token", async () => {
  const charge = await createCharge(connection, request({}));
  const before = receiver.received.length;
  receiver.answers.push(500, 503);
  served.sim.pay(charge.providerId);
  await served.sim.webhooks.idle();
  assert.equal(receiver.received.length - before, 3, "two failures, then delivered");

  const twice = await createCharge(connection, request({}));
  const mark = receiver.received.length;
  served.sim.pay(twice.providerId, { times: 2, token: "wrong" });
  await served.sim.webhooks.idle();
  const got = receiver.received.slice(mark);
  assert.equal(got.length, 2);
  assert.deepEqual(got.map((r) => r.token), ["wrong", "wrong"]);
  assert.deepEqual(got[0].body, got[1].body);
});

Deno.test("xendit simulator — Refund API through xendit-node: partial, replay, GET, limits, VA refused, callback", async () => {
  const { RefundCallbackFromJSON } = await import("xendit-node/refund/models/index.js");
  const xendit = new Xendit({ secretKey: TEST_SECRET_KEY, xenditURL: served.url });
  const charge = await createCharge(connection, request({}));
  const unpaid = await sdkError(xendit.Refund.createRefund({
    data: { paymentRequestId: charge.providerId, amount: 1, currency: "IDR", reason: "OTHERS" },
  }));
  assert.deepEqual([unpaid.status, unpaid.errorCode], [400, "INELIGIBLE_TRANSACTION"]);
  served.sim.pay(charge.providerId);
  await served.sim.webhooks.idle();
  const before = receiver.received.length;
  const created = await xendit.Refund.createRefund({
    idempotencyKey: "rfd_key_1",
    data: {
      paymentRequestId: charge.providerId,
      referenceId: "rfd_ours_1",
      amount: 40_000,
      currency: "IDR",
      reason: "REQUESTED_BY_CUSTOMER",
    },
  });
  assert.match(created.id!, /^rfd-/);
  assert.deepEqual([created.amount, created.referenceId, created.paymentRequestId], [
    40_000,
    "rfd_ours_1",
    charge.providerId,
  ]);
  const replay = await xendit.Refund.createRefund({
    idempotencyKey: "rfd_key_1",
    data: {
      paymentRequestId: charge.providerId,
      referenceId: "rfd_ours_1",
      amount: 40_000,
      currency: "IDR",
      reason: "REQUESTED_BY_CUSTOMER",
    },
  });
  assert.equal(replay.id, created.id, "the same key answers the same refund");
  assert.equal((await xendit.Refund.getRefund({ refundID: created.id! })).amount, 40_000);
  const over = await sdkError(xendit.Refund.createRefund({
    data: { paymentRequestId: charge.providerId, amount: 60_000, currency: "IDR", reason: "OTHERS" },
  }));
  assert.deepEqual([over.status, over.errorCode], [400, "MAXIMUM_REFUND_AMOUNT_REACHED"]);
  await served.sim.webhooks.idle();
  const callbacks = receiver.received.slice(before).filter((r) =>
    (r.body as { event?: string }).event?.startsWith("refund.")
  );
  assert.equal(callbacks.length, 1, "the replay settled nothing twice");
  assert.equal(callbacks[0].token, TEST_CALLBACK_TOKEN);
  const callback = RefundCallbackFromJSON(callbacks[0].body);
  assert.equal(callback.event, "refund.succeeded");
  assert.deepEqual([callback.data?.status, callback.data?.referenceId, callback.data?.amount], [
    "SUCCEEDED",
    "rfd_ours_1",
    40_000,
  ]);

  const va = await createCharge(connection, request({ method: "bank_transfer", bank: "BNI" }));
  served.sim.pay(va.providerId);
  const refused = await sdkError(xendit.Refund.createRefund({
    data: { paymentRequestId: va.providerId, currency: "IDR", reason: "OTHERS" },
  }));
  assert.deepEqual([refused.status, refused.errorCode], [400, "INELIGIBLE_TRANSACTION"]);
  assert.match(String(refused.errorMessage), /Virtual account/);
  const missing = await sdkError(xendit.Refund.getRefund({ refundID: "rfd-nope" }));
  assert.equal(missing.status, 404);
});

Deno.test("xendit simulator — linked e-wallets through xendit-node's PaymentMethod API: link, callbacks, unlink", async () => {
  const xendit = new Xendit({ secretKey: TEST_SECRET_KEY, xenditURL: served.url });
  const link = (channelCode: "OVO" | "DANA" | "SHOPEEPAY", mobileNumber?: string) =>
    xendit.PaymentMethod.createPaymentMethod({
      data: {
        type: "EWALLET",
        reusability: "MULTIPLE_USE",
        country: "ID",
        referenceId: `link-${crypto.randomUUID()}`,
        ewallet: {
          channelCode,
          channelProperties: {
            successReturnUrl: "https://shop.example/linked",
            failureReturnUrl: "https://shop.example/not-linked",
            ...(mobileNumber ? { mobileNumber } : {}),
          },
        },
      },
    });
  const ovo = await link("OVO", "+6281234567890");
  assert.equal(ovo.status, "REQUIRES_ACTION");
  assert.equal(ovo.reusability, "MULTIPLE_USE");
  assert.equal(ovo.ewallet?.channelCode, "OVO");
  const auth = ovo.actions?.find((a) => a.action === "AUTH")?.url;
  assert.ok(auth?.startsWith(`${served.url}/web/payment_methods/pm-`));

  // The customer approves in the e-wallet: back to the app, ACTIVE, and the activated callback with the token.
  const page = await fetch(auth!);
  assert.match(await page.text(), /Link your OVO account/);
  const before = receiver.received.length;
  const approved = await fetch(`${auth}/approve`, { method: "POST", redirect: "manual" });
  await approved.body?.cancel();
  assert.equal(approved.headers.get("location"), "https://shop.example/linked");
  await served.sim.webhooks.idle();
  const activated = receiver.received.slice(before).find((r) =>
    (r.body as { event: string }).event === "payment_method.activated"
  );
  assert.equal(activated?.token, TEST_CALLBACK_TOKEN);
  assert.equal((activated?.body as { data: { id: string } }).data.id, ovo.id);
  assert.equal(
    (await xendit.PaymentMethod.getPaymentMethodByID({ paymentMethodId: ovo.id })).status,
    "ACTIVE",
  );
  const again = await fetch(`${auth}/approve`, { method: "POST", redirect: "manual" });
  assert.equal(again.status, 409, "linking is answered once");
  await again.body?.cancel();

  // Unlinking expires it, with its callback.
  const expired = await xendit.PaymentMethod.expirePaymentMethod({ paymentMethodId: ovo.id });
  assert.equal(expired.status, "EXPIRED");
  await served.sim.webhooks.idle();
  assert.ok(
    receiver.received.some((r) =>
      (r.body as { event: string; data: { id: string } }).event === "payment_method.expired" &&
      (r.body as { data: { id: string } }).data.id === ovo.id
    ),
  );

  // A declined link fails; DANA needs no phone number; OVO does.
  const dana = await link("DANA");
  const declined = await fetch(`${served.url}/web/payment_methods/${dana.id}/decline`, {
    method: "POST",
    redirect: "manual",
  });
  await declined.body?.cancel();
  assert.equal(declined.headers.get("location"), "https://shop.example/not-linked");
  assert.equal(
    (await xendit.PaymentMethod.getPaymentMethodByID({ paymentMethodId: dana.id })).status,
    "FAILED",
  );
  assert.equal((await sdkError(link("OVO"))).errorCode, "API_VALIDATION_ERROR");

  // ShopeePay linking waits for Xendit's approval of the merchant.
  const refused = await sdkError(link("SHOPEEPAY"));
  assert.deepEqual([refused.status, refused.errorCode], [403, "CHANNEL_NOT_ACTIVATED"]);
  served.sim.approvedLinkingChannels.add("SHOPEEPAY");
  try {
    assert.equal((await link("SHOPEEPAY")).status, "REQUIRES_ACTION");
  } finally {
    served.sim.approvedLinkingChannels.delete("SHOPEEPAY");
  }

  // Another account's key cannot read or unlink it; a one-time method is not a link.
  served.sim.accounts.set("xnd_development_other_merchant_0123456789", {
    secretKey: "xnd_development_other_merchant_0123456789",
    callbackToken: "other-merchant-callback-token",
    webhookUrl: receiver.url,
    businessId: "5f27a14a9bf05c73dd040bc9",
  });
  const stranger = new Xendit({
    secretKey: "xnd_development_other_merchant_0123456789",
    xenditURL: served.url,
  });
  assert.equal(
    (await sdkError(stranger.PaymentMethod.getPaymentMethodByID({ paymentMethodId: dana.id }))).status,
    404,
  );
  assert.equal(
    (await sdkError(stranger.PaymentMethod.expirePaymentMethod({ paymentMethodId: dana.id }))).status,
    404,
  );
  const oneTime = await sdkError(xendit.PaymentMethod.createPaymentMethod({
    data: {
      type: "EWALLET",
      reusability: "ONE_TIME_USE",
      ewallet: { channelCode: "DANA", channelProperties: { successReturnUrl: "https://shop.example/x" } },
    },
  }));
  assert.equal(oneTime.status, 400);
});

Deno.test("xendit simulator — a payment request on a linked e-wallet debits it, then calls back (or fails)", async () => {
  const xendit = new Xendit({ secretKey: TEST_SECRET_KEY, xenditURL: served.url });
  const pm = await xendit.PaymentMethod.createPaymentMethod({
    data: {
      type: "EWALLET",
      reusability: "MULTIPLE_USE",
      ewallet: {
        channelCode: "DANA",
        channelProperties: {
          successReturnUrl: "https://shop.example/ok",
          failureReturnUrl: "https://shop.example/no",
        },
      },
    },
  });
  const charge = (referenceId: string) =>
    xendit.PaymentRequest.createPaymentRequest({
      idempotencyKey: referenceId,
      data: { referenceId, amount: 99_000, currency: "IDR", paymentMethodId: pm.id },
    });
  const notYet = await sdkError(charge(`chk_${crypto.randomUUID()}`));
  assert.deepEqual([notYet.status, notYet.errorCode], [400, "INVALID_PAYMENT_METHOD"], "not linked yet");
  const approved = await fetch(`${served.url}/web/payment_methods/${pm.id}/approve`, {
    method: "POST",
    redirect: "manual",
  });
  await approved.body?.cancel();

  const before = receiver.received.length;
  const reference = `chk_${crypto.randomUUID()}`;
  const pr = await charge(reference);
  assert.equal(pr.status, "PENDING");
  assert.equal(pr.paymentMethod.id, pm.id);
  assert.equal(pr.paymentMethod.ewallet?.channelCode, "DANA");
  assert.deepEqual([pr.paymentMethod.reusability, pr.paymentMethod.status], ["MULTIPLE_USE", "ACTIVE"]);
  assert.equal((await charge(reference)).id, pr.id, "the idempotency key replays");
  await served.sim.webhooks.idle();
  const paid = receiver.received.slice(before).map((r) => PaymentCallbackFromJSON(r.body))
    .find((callback) => callback.data?.paymentRequestId === pr.id);
  assert.equal(paid?.event, "payment.succeeded");
  assert.equal(paid?.data?.amount, 99_000);
  assert.equal(
    (await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: pr.id })).status,
    "SUCCEEDED",
  );

  served.sim.linkedChargeOutcome = "fail";
  try {
    const declined = await charge(`chk_${crypto.randomUUID()}`);
    await served.sim.webhooks.idle();
    assert.equal(
      (await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: declined.id })).status,
      "FAILED",
    );
  } finally {
    served.sim.linkedChargeOutcome = "pay";
  }
  await xendit.PaymentMethod.expirePaymentMethod({ paymentMethodId: pm.id });
  assert.equal(
    (await sdkError(charge(`chk_${crypto.randomUUID()}`))).errorCode,
    "INVALID_PAYMENT_METHOD",
    "unlinked",
  );
  const both = await fetch(`${served.url}/payment_requests`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${TEST_SECRET_KEY}:`)}`, "content-type": "application/json" },
    body: JSON.stringify({ reference_id: "x", amount: 1000, currency: "IDR" }),
  });
  assert.equal(both.status, 400, "neither a method nor a linked one");
  await both.body?.cancel();
});

Deno.test("xendit simulator — a pending QR code, virtual account or invoice past its expiry is EXPIRED when next read: one callback, a payment after refused", async () => {
  const xendit = new Xendit({ secretKey: TEST_SECRET_KEY, xenditURL: served.url });
  const expiresAt = new Date(Date.now() + 3600_000);
  const qris = await createCharge(connection, request({ expiresAt }));
  const va = await createCharge(connection, request({ method: "bank_transfer", bank: "BNI", expiresAt }));
  const reference = `chk_${crypto.randomUUID()}`;
  const invoice = await createCharge(
    connection,
    request({ method: "gopay", reference, expiresAt, successUrl: "https://app.example/ok" }),
  );
  const ovo = await createCharge(connection, request({ method: "ovo", mobileNumber: "+6281234567890" }));
  const before = receiver.received.length;
  try {
    // A minute before the expiry nothing has expired.
    served.sim.now = () => expiresAt.getTime() - 60_000;
    assert.equal((await fetchCharge(connection, "payment_request", qris.providerId)).status, "pending");
    assert.equal((await fetchCharge(connection, "invoice", invoice.providerId)).status, "pending");

    // A minute after it (the invoice's expiry_date is within a second of it), each is read as EXPIRED.
    served.sim.now = () => expiresAt.getTime() + 60_000;
    const fetchedQr = await xendit.PaymentRequest.getPaymentRequestByID({
      paymentRequestId: qris.providerId,
    });
    assert.equal(fetchedQr.status, "EXPIRED");
    assert.equal((await fetchCharge(connection, "payment_request", qris.providerId)).status, "expired");
    assert.equal((await fetchCharge(connection, "payment_request", va.providerId)).status, "expired");
    assert.deepEqual(
      (await xendit.Invoice.getInvoices({ externalId: reference })).map((inv) => inv.status),
      ["EXPIRED"],
      "the list expires it too",
    );
    assert.equal((await xendit.Invoice.getInvoiceById({ invoiceId: invoice.providerId })).status, "EXPIRED");
    assert.equal(
      (await fetchCharge(connection, "payment_request", ovo.providerId)).status,
      "pending",
      "an OVO push has no expiry",
    );

    // Paying after the expiry is refused, as for any settled charge.
    for (const paymentRequestId of [qris.providerId, va.providerId]) {
      const refused = await sdkError(
        xendit.PaymentRequest.simulatePaymentRequestPayment({ paymentRequestId }),
      );
      assert.deepEqual([refused.status, refused.errorCode], [409, "PAYMENT_REQUEST_NOT_PENDING"]);
    }
    const page = await fetch(`${invoice.details.invoice_url}/pay`, { method: "POST", redirect: "manual" });
    assert.equal(page.status, 303);
    assert.equal(
      page.headers.get("location"),
      invoice.details.invoice_url,
      "back to its page, not to success",
    );
    assert.match(await (await fetch(invoice.details.invoice_url)).text(), /This invoice is expired/);
    assert.throws(() => served.sim.pay(invoice.providerId), /not pending/);
    assert.throws(() => served.sim.expire(qris.providerId), /is EXPIRED/);
  } finally {
    served.sim.now = Date.now;
  }

  await served.sim.webhooks.idle();
  const callbacks = receiver.received.slice(before).map((r) => r.body as Record<string, unknown>);
  const about = (id: string) =>
    callbacks.filter((body) =>
      body.id === id || (body.data as { payment_request_id?: string })?.payment_request_id === id
    );
  for (const id of [qris.providerId, va.providerId]) {
    assert.deepEqual(
      about(id).map((body) => PaymentCallbackFromJSON(body).event),
      ["payment.expired"],
      `one callback for ${id}`,
    );
  }
  assert.deepEqual(about(invoice.providerId).map((body) => InvoiceCallbackFromJSON(body).status), [
    "EXPIRED",
  ]);
  assert.deepEqual(about(ovo.providerId), []);
});
