/**
 * asChargeError against what the unmodified xendit-node client really throws on loopback: Xendit's refusal, no
 * answer by the deadline, no connection, a connection lost mid-answer — each a ChargeError — and, thrown again
 * as they are, a bug of ours and an answer we cannot read (never "Xendit could not be reached").
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { asChargeError, ChargeError, createCharge, fetchCharge, isXenditFailure } from "./xendit.ts";
import { isCredentialsRefused, isRefusal, type ProviderCall, providerError } from "./provider_errors.ts";
import { XenditBreaker } from "./xendit_breaker.ts";
import { closedPort } from "@/tests/helpers/ports.ts";

const SECRET = "xnd_development_xendit_test_0123456789";
const PR = "pr-00000000-0000-0000-0000-000000000000";
const ref = { projectId: "p1", environment: "sandbox" as const, account: "project" as const };

/** Xendit on loopback answering every request with `answer`. */
async function withXendit<T>(
  answer: () => Response | Promise<Response>,
  work: (baseUrl: string) => Promise<T>,
): Promise<T> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, answer);
  try {
    return await work(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

/** What `call` rejects with (it must reject). */
async function rejection(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("the call succeeded");
}

const get = (baseUrl: string, timeoutMs = 5000) =>
  fetchCharge({ secretKey: SECRET, baseUrl, timeoutMs }, "payment_request", PR);

Deno.test("asChargeError — Xendit's refusal keeps its status and code", async () => {
  const error = await withXendit(
    () => Response.json({ error_code: "DATA_NOT_FOUND", message: "No such request." }, { status: 404 }),
    (url) => rejection(get(url)),
  );
  assert.ok(error instanceof ChargeError);
  assert.deepEqual([error.code, error.status, error.message], ["DATA_NOT_FOUND", 404, "No such request."]);
});

Deno.test("asChargeError — no answer by the deadline is 'timeout'", async () => {
  const release = Promise.withResolvers<void>();
  const error = await withXendit(async () => {
    await release.promise;
    return new Response(null, { status: 504 });
  }, (url) => rejection(get(url, 100)).finally(() => release.resolve()));
  assert.ok(error instanceof ChargeError);
  assert.deepEqual([error.code, error.status], ["timeout", null]);
});

Deno.test("asChargeError — a closed port is 'unreachable', and opens the pass's breaker", async () => {
  const error = await rejection(get(`http://127.0.0.1:${closedPort()}`));
  assert.ok(error instanceof ChargeError);
  assert.deepEqual([error.code, error.status, error.message], [
    "unreachable",
    null,
    "Xendit could not be reached.",
  ]);
  assert.ok(error.cause instanceof TypeError, "fetch's own error is kept as the cause");
  assert.equal(
    providerError(error, "unlink").description,
    "The payment provider could not be reached. Try again shortly.",
  );
  const breaker = new XenditBreaker();
  breaker.failed(ref, error, "test");
  assert.equal(breaker.allows(ref), false);
  // Deno's connection errors, however they arrive, are the same.
  assert.equal(asChargeError(new Deno.errors.ConnectionRefused("refused")).code, "unreachable");
});

Deno.test("asChargeError — a connection lost while Xendit answered is 'interrupted' (Xendit may have acted)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.read(new Uint8Array(65_536));
    const head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n";
    await conn.write(new TextEncoder().encode(`${head}{"id": "${PR}", "stat`));
    conn.close();
  })();
  const error = await rejection(get(`http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`));
  await served;
  listener.close();
  assert.ok(error instanceof ChargeError, String(error));
  assert.deepEqual([error.code, error.status], ["interrupted", null]);
  assert.equal(
    providerError(error, "refund").description,
    "The payment provider's answer to the refund was cut off. The amount stays reserved, and the refund is " +
      "asked for again in about 15 minutes.",
  );
});

Deno.test("asChargeError — an answer we cannot read is thrown as it is: not 'unreachable', no breaker", async () => {
  // 200 with a body that is not JSON: the SDK's parse fails.
  const unparsable = await withXendit(
    () => new Response("<html>maintenance</html>", { headers: { "content-type": "application/json" } }),
    (url) => rejection(get(url)),
  );
  assert.ok(unparsable instanceof SyntaxError, String(unparsable));
  // 200 JSON without what a charge needs: our reading of it fails (a TypeError of our own code).
  const request = {
    method: "qris" as const,
    amount: 50_000,
    reference: "chk_bug",
    idempotencyKey: "chk_bug:qris:",
    description: "Pro",
    customerName: "Ayu",
    expiresAt: new Date(Date.now() + 3600_000),
    metadata: {},
  };
  const unreadable = await withXendit(
    () => Response.json({ id: PR }),
    (baseUrl) => rejection(createCharge({ secretKey: SECRET, baseUrl, timeoutMs: 5000 }, request)),
  );
  assert.ok(unreadable instanceof TypeError && !(unreadable instanceof ChargeError), String(unreadable));
  const breaker = new XenditBreaker();
  breaker.failed(ref, unreadable, "test");
  assert.equal(breaker.allows(ref), true, "a bug of ours is not Xendit's silence");
});

Deno.test("asChargeError — a bug's error (TypeError, zod) is thrown again, the same object; a ChargeError passes", () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
  assert.throws(() => asChargeError(bug), (thrown) => thrown === bug);
  const parsed = z.object({ id: z.string() }).safeParse({});
  assert.ok(!parsed.success);
  assert.throws(() => asChargeError(parsed.error), (thrown) => thrown === parsed.error);
  // A TypeError that wraps no transport error is no fetch failure, whatever it says.
  const lookalike = new TypeError("fetch failed");
  assert.throws(() => asChargeError(lookalike), (thrown) => thrown === lookalike);
  const refused = new ChargeError("Over the limit.", "limit", null);
  assert.equal(asChargeError(refused), refused);
});

Deno.test("isRefusal — a 4xx is Xendit's no; no answer, a server error, too many requests or a refused key is not", () => {
  const failure = (code: string, status: number | null) => new ChargeError("Xendit said.", code, status);
  assert.equal(isRefusal(failure("MAXIMUM_REFUND_AMOUNT_REACHED", 400)), true);
  assert.equal(isRefusal(failure("INVALID_API_KEY", 401)), false);
  assert.equal(isRefusal(failure("REQUEST_FORBIDDEN_ERROR", 403)), false);
  assert.equal(isCredentialsRefused(failure("INVALID_API_KEY", 401)), true);
  assert.equal(isCredentialsRefused(failure("REQUEST_FORBIDDEN_ERROR", 403)), true);
  assert.equal(isCredentialsRefused(failure("DATA_NOT_FOUND", 404)), false);
  assert.equal(isCredentialsRefused(failure("timeout", null)), false);
  assert.equal(isRefusal(failure("DATA_NOT_FOUND", 404)), true);
  assert.equal(isRefusal(failure("RATE_LIMIT_EXCEEDED", 429)), false);
  assert.equal(isRefusal(failure("SERVER_ERROR", 503)), false);
  assert.equal(isRefusal(failure("timeout", null)), false);
  // A channel the business has not activated is Xendit's no to the request, not to the key.
  assert.equal(isCredentialsRefused(failure("CHANNEL_NOT_ACTIVATED", 403)), false);
  assert.equal(isRefusal(failure("CHANNEL_NOT_ACTIVATED", 403)), true);
});

/** The credentials words each call hears for a refused key (providerError's description). */
const KEY_REFUSED: Record<ProviderCall, string> = {
  charge:
    "The payment provider refused this project's Xendit credentials (API key), so no charge was made and " +
    "nothing was paid. The checkout stays open; fix the project's Xendit keys, then try again.",
  link:
    "The payment provider refused this project's Xendit credentials (API key), so the payment method was " +
    "not linked. Fix the project's Xendit keys, then try again.",
  unlink:
    "The payment provider refused this project's Xendit credentials (API key), so the payment method is " +
    "not unlinked yet. It is not charged meanwhile, and the unlink is finished once the project's Xendit keys " +
    "are fixed.",
  refund:
    "The payment provider refused this project's Xendit credentials (API key). The amount stays reserved, " +
    "and the refund is asked for again in about 15 minutes; fix the project's Xendit keys.",
};

for (
  const [status, code] of [[401, "INVALID_API_KEY"], [403, "REQUEST_FORBIDDEN_ERROR"]] as const
) {
  Deno.test(`a refused key (${status}) — every call says the project's credentials were refused, and the pass's breaker opens`, async () => {
    const error = await withXendit(
      () => Response.json({ error_code: code, message: "API key is not authorized." }, { status }),
      (url) => rejection(get(url)),
    );
    assert.ok(error instanceof ChargeError);
    assert.deepEqual([error.code, error.status], [code, status]);
    assert.equal(isCredentialsRefused(error), true);
    assert.equal(isRefusal(error), false, "no decline of the request");
    for (const call of ["charge", "link", "unlink", "refund"] as const) {
      const answered = providerError(error, call);
      assert.deepEqual([answered.code, answered.status], ["payment_provider_error", 502]);
      assert.equal(answered.description, KEY_REFUSED[call], call);
      assert.doesNotMatch(answered.description, /did not accept|refused to unlink/);
    }
    const breaker = new XenditBreaker();
    breaker.failed(ref, error, "renewal charge");
    assert.equal(breaker.allows(ref), false, "the account's other calls are held back");
    assert.equal(breaker.skipped, 1);
    const other = { ...ref, projectId: "p2" };
    assert.equal(breaker.allows(other), true, "another project's account is not");
  });
}

Deno.test("XenditBreaker — Xendit's no to a request (4xx, 429, a channel not activated) opens nothing", () => {
  const breaker = new XenditBreaker();
  for (
    const failure of [
      new ChargeError("No such request.", "DATA_NOT_FOUND", 404),
      new ChargeError("Slow down.", "RATE_LIMIT_EXCEEDED", 429),
      new ChargeError("Not activated.", "CHANNEL_NOT_ACTIVATED", 403),
      new ChargeError("Try later.", "SERVER_ERROR", 503),
    ]
  ) {
    breaker.failed(ref, failure, "reconcile charge");
    assert.equal(breaker.allows(ref), true, failure.code);
  }
  assert.equal(breaker.skipped, 0);
});

Deno.test("isXenditFailure — Xendit's kinds are; a bug, an unreadable answer or a database error is not", async () => {
  const closed = await rejection(get(`http://127.0.0.1:${closedPort()}`));
  assert.equal(isXenditFailure(closed), true);
  assert.equal(isXenditFailure(new ChargeError("Xendit refused.", "INVALID", 400)), true);
  assert.equal(isXenditFailure(new TypeError("Cannot read properties of undefined (reading 'id')")), false);
  assert.equal(isXenditFailure(new SyntaxError("Unexpected token '<'")), false);
  assert.equal(isXenditFailure(Object.assign(new Error("deadlock detected"), { code: "40P01" })), false);
});

Deno.test("providerError — says what happened, and to which call: no call but a charge hears of 'the charge'", () => {
  const noAnswer = (code: string) => new ChargeError("Xendit did not answer.", code, null);
  const answered = (status: number) => new ChargeError("Refused.", "REQUEST_FORBIDDEN_ERROR", status);
  const said = (failure: ChargeError, call: ProviderCall) => {
    const error = providerError(failure, call);
    assert.deepEqual([error.code, error.status, error.cause], ["payment_provider_error", 502, failure]);
    return error.description;
  };
  for (const call of ["charge", "link", "unlink"] as const) {
    assert.equal(
      said(noAnswer("timeout"), call),
      "The payment provider did not answer in time. Try again shortly.",
    );
    assert.equal(
      said(noAnswer("unreachable"), call),
      "The payment provider could not be reached. Try again shortly.",
    );
    assert.equal(
      said(noAnswer("interrupted"), call),
      "The payment provider's answer was cut off. Try again shortly.",
    );
    if (call !== "charge") assert.doesNotMatch(said(answered(503), call), /the charge/);
  }
  // A refund without an answer stays reserved and the billing pass asks again: nobody is told to try again.
  const askedAgain = " The amount stays reserved, and the refund is asked for again in about 15 minutes.";
  assert.equal(
    said(noAnswer("timeout"), "refund"),
    `The payment provider did not answer the refund in time.${askedAgain}`,
  );
  assert.equal(
    said(noAnswer("unreachable"), "refund"),
    `The payment provider could not be reached for the refund.${askedAgain}`,
  );
  assert.equal(
    said(noAnswer("interrupted"), "refund"),
    `The payment provider's answer to the refund was cut off.${askedAgain}`,
  );
  assert.doesNotMatch(said(answered(503), "refund"), /the charge/);
  // Our key refused (401/403): not the refund, which stays reserved until the key is fixed.
  for (const status of [401, 403]) {
    assert.equal(
      said(answered(status), "refund"),
      "The payment provider refused this project's Xendit credentials (API key). The amount stays reserved, " +
        "and the refund is asked for again in about 15 minutes; fix the project's Xendit keys.",
    );
  }
  assert.equal(
    said(answered(503), "charge"),
    "The payment provider did not accept the charge. Try again shortly.",
  );
  assert.equal(
    said(answered(500), "link"),
    "The payment provider did not accept the link. Try again shortly.",
  );
  assert.equal(
    said(new ChargeError("Refused.", "INVALID_STATUS", 422), "unlink"),
    "The payment provider refused to unlink the payment method, so it stays linked. Try again shortly.",
  );
  assert.match(
    said(new ChargeError("Slow down.", "RATE_LIMIT_EXCEEDED", 429), "unlink"),
    /not charged/,
    "too many requests is no refusal: the unlink stays under way",
  );
  assert.match(
    said(answered(503), "unlink"),
    /^The payment provider answered the unlink with an error\. .*not charged/,
  );
  assert.match(
    said(answered(502), "refund"),
    /^The payment provider answered the refund with an error\. .*reserved/,
  );
});
