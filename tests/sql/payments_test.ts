/** SQL tests for the payment tables and functions (db/api/payments.sql): happy paths, errors, policies. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  applyPaymentEvent,
  checkoutAccount,
  createCheckout,
  getCheckout,
  projectsWithPaymentEvents,
  recordPayment,
  recordPaymentEvent,
  setXenditKeys,
  xenditKeys,
} from "@/db/payments.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedShop(db.sql, { email: "a@example.com" });
const b = await seedShop(db.sql, { email: "b@example.com" });
const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

async function paidCheckout(shop: typeof a, providerId: string) {
  const checkout = await as(
    shop.project.id,
    (tx) =>
      createCheckout(tx, shop.project.id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await as(shop.project.id, (tx) =>
    recordPayment(tx, shop.project.id, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    }));
  return checkout;
}

Deno.test("api.create_checkout — the plan's price, the project's mode; errors name the field", async () => {
  const checkout = await as(a.project.id, (tx) =>
    createCheckout(tx, a.project.id, {
      sub: a.userId,
      plan: "pro",
      xendit_account: "simulator",
      success_url: "https://shop.example/thanks",
    }));
  assert.equal(checkout.amount, 99_000);
  assert.equal(checkout.status, "open");
  assert.equal(checkout.environment, "sandbox");
  const p = a.project.id;
  const create = (body: Record<string, unknown>) =>
    as(
      p,
      (tx) => createCheckout(tx, p, { sub: a.userId, plan: "pro", xendit_account: "simulator", ...body }),
    );
  await rejectsAs(create({ plan: "free" }), "validation_failed", /free/);
  await rejectsAs(create({ plan: "gold" }), "validation_failed", /no plan gold/);
  await rejectsAs(create({ sub: "x" }), "validation_failed");
  await rejectsAs(create({ sub: "424242" }), "not_found");
  await rejectsAs(create({ success_url: "https://evil.example/" }), "validation_failed", /success_url/);
  await rejectsAs(create({ failure_url: "javascript:alert(1)" }), "validation_failed", /failure_url/);
  // Another project's user is unknown here.
  await rejectsAs(create({ sub: b.userId }), "not_found");
});

Deno.test("api.record_payment — attaches a charge once; paid or unknown checkouts refuse", async () => {
  const checkout = await paidCheckout(a, "pr-record-1");
  const again = await as(a.project.id, (tx) =>
    recordPayment(tx, a.project.id, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: "pr-record-1",
      method: "qris",
      details: {},
      expires_at: null,
    }));
  assert.equal(again.status, "pending");
  assert.equal(again.payment?.provider_id, "pr-record-1");
  await rejectsAs(
    as(a.project.id, (tx) =>
      recordPayment(tx, a.project.id, "chk_aaaaaaaaaaaaaaaaaaaaaaaa", {
        kind: "invoice",
        provider_id: "x",
        method: "gopay",
        details: {},
        expires_at: null,
      })),
    "not_found",
  );
  // Project B cannot touch A's checkout.
  await rejectsAs(
    as(b.project.id, (tx) =>
      recordPayment(tx, b.project.id, checkout.checkout_id, {
        kind: "invoice",
        provider_id: "y",
        method: "gopay",
        details: {},
        expires_at: null,
      })),
    "not_found",
  );
  assert.equal(await as(b.project.id, (tx) => getCheckout(tx, b.project.id, checkout.checkout_id)), null);
});

Deno.test("api.checkout_account — finds the owner of a checkout id only outside any project", async () => {
  const checkout = await paidCheckout(a, "pr-account-1");
  const owner = await as(null, (tx) => checkoutAccount(tx, checkout.checkout_id));
  assert.deepEqual(owner, { project_id: a.project.id, xendit_account: "simulator", environment: "sandbox" });
  assert.equal(await as(null, (tx) => checkoutAccount(tx, "chk_aaaaaaaaaaaaaaaaaaaaaaaa")), null);
  assert.equal(await as(null, (tx) => checkoutAccount(tx, "not-a-checkout")), null);
  await rejectsAs(as(b.project.id, (tx) => checkoutAccount(tx, checkout.checkout_id)), "forbidden");
  // The lookup setting gives the app role nothing on its own.
  const seen = await as(null, async (tx) => {
    await tx`select set_config('astapa.lookup_checkout', ${checkout.checkout_id}, true)`;
    return rows(await tx`select * from astapa.checkouts`);
  });
  assert.deepEqual(seen, []);
});

Deno.test("api.record_payment_event + api.apply_payment_event — dedupe, order safety, one extension", async () => {
  const checkout = await paidCheckout(b, "pr-apply-1");
  const record = (status: string, amount = 99_000) =>
    as(b.project.id, (tx) =>
      recordPaymentEvent(tx, b.project.id, {
        providerId: "pr-apply-1",
        status,
        checkoutId: checkout.checkout_id,
        body: { data: { amount, status } },
      }));
  assert.equal((await record("PENDING")).duplicate, false);
  assert.equal((await record("SUCCEEDED")).duplicate, false);
  assert.equal((await record("SUCCEEDED")).duplicate, true);
  assert.equal((await record("PENDING")).duplicate, true);
  await rejectsAs(record("lower-case"), "validation_failed");
  assert.ok((await as(null, (tx) => projectsWithPaymentEvents(tx))).includes(b.project.id));
  await rejectsAs(as(b.project.id, (tx) => projectsWithPaymentEvents(tx)), "forbidden");

  const outcomes: string[] = [];
  for (;;) {
    const applied = await as(b.project.id, (tx) => applyPaymentEvent(tx, b.project.id));
    if (!applied) break;
    outcomes.push(applied.outcome);
  }
  assert.deepEqual(outcomes, ["no_change", "paid"]);
  assert.equal((await record("FAILED")).duplicate, false);
  assert.equal((await as(b.project.id, (tx) => applyPaymentEvent(tx, b.project.id)))?.outcome, "no_change");
  const after = await as(b.project.id, (tx) => getCheckout(tx, b.project.id, checkout.checkout_id));
  assert.equal(after?.status, "paid");
  assert.equal(after?.payment?.status, "paid");
  // Project A sees none of B's events and applies nothing of them.
  assert.equal(await as(a.project.id, (tx) => applyPaymentEvent(tx, a.project.id)), null);
  assert.deepEqual(rows(await as(null, (tx) => tx`select * from astapa.payment_events`)), []);
});

Deno.test("api.apply_payment_event — a checkout paid by one method: its other charge expiring is no payment.failed", async () => {
  // The QRIS code shown first, then a virtual account chosen and paid: the QRIS charge expires at Xendit later.
  const checkout = await paidCheckout(a, "pr-sibling-qris");
  await as(a.project.id, (tx) =>
    recordPayment(tx, a.project.id, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: "pr-sibling-va",
      method: "bank_transfer",
      details: { bank: "BCA", virtual_account_number: "1234567890" },
      expires_at: null,
    }));
  const callback = (providerId: string, status: string) =>
    as(a.project.id, async (tx) => {
      await recordPaymentEvent(tx, a.project.id, {
        providerId,
        status,
        checkoutId: checkout.checkout_id,
        body: { data: { amount: 99_000, currency: "IDR", status } },
      });
      return (await applyPaymentEvent(tx, a.project.id))?.outcome;
    });
  assert.equal(await callback("pr-sibling-va", "SUCCEEDED"), "paid");
  assert.equal(await callback("pr-sibling-qris", "EXPIRED"), "expired");
  const failed = await as(
    a.project.id,
    async (tx) =>
      rows(
        await tx`select data from astapa.events where type = 'payment.failed'
                    and data ->> 'checkout_id' = ${checkout.checkout_id}`,
      ),
  );
  assert.deepEqual(failed, [], "the app is not told a paid checkout's payment failed");
  const [qris] = await as(
    a.project.id,
    async (tx) => rows(await tx`select status from astapa.payments where provider_id = 'pr-sibling-qris'`),
  );
  assert.equal(qris.status, "expired");
  assert.equal(
    (await as(a.project.id, (tx) => getCheckout(tx, a.project.id, checkout.checkout_id)))?.status,
    "paid",
  );
});

Deno.test("api.apply_payment_event — a wrong amount is not a payment", async () => {
  const checkout = await paidCheckout(a, "pr-amount-1");
  await as(a.project.id, (tx) =>
    recordPaymentEvent(tx, a.project.id, {
      providerId: "pr-amount-1",
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 1 } },
    }));
  let outcome;
  for (;;) {
    const applied = await as(a.project.id, (tx) => applyPaymentEvent(tx, a.project.id));
    if (!applied) break;
    outcome = applied.outcome;
  }
  assert.equal(outcome, "amount_mismatch");
  assert.equal(
    (await as(a.project.id, (tx) => getCheckout(tx, a.project.id, checkout.checkout_id)))?.status,
    "pending",
  );
});

Deno.test("api.apply_payment_event — a QRIS charge paid after its account was erased: account_deleted, no plan", async () => {
  const shop = await seedShop(db.sql, { email: "hapus@example.com" });
  const p = shop.project.id;
  const checkout = await paidCheckout(shop, "pr-erased-1");
  await as(p, (tx) => tx`select astapa.erase_user(${shop.userId}, 'user')`);
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-erased-1",
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 99_000, status: "SUCCEEDED" } },
    }));
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "account_deleted");
  const after = await as(p, (tx) => getCheckout(tx, p, checkout.checkout_id));
  assert.deepEqual([after?.status, after?.payment?.status], ["paid", "paid"]);
  const live = await as(p, (tx) => tx`select 1 from astapa.subscriptions where ended_at is null`);
  assert.equal(live.length, 0, "the erased account gets no plan");
});

Deno.test("astapa.erase_user — the erased account's pay links with no charge yet expire: nobody's money goes to a tombstone", async () => {
  const shop = await seedShop(db.sql, { email: "tautan@example.com" });
  const p = shop.project.id;
  const open = await as(
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await as(p, (tx) => tx`select astapa.erase_user(${shop.userId}, 'user')`);
  assert.equal((await as(p, (tx) => getCheckout(tx, p, open.checkout_id)))?.status, "expired");
  await rejectsAs(
    as(p, (tx) =>
      recordPayment(tx, p, open.checkout_id, {
        kind: "payment_request",
        provider_id: "pr-erased-open",
        method: "qris",
        details: {},
        expires_at: null,
      })),
    "conflict",
    /already expired/,
  );
});

Deno.test("api.set_xendit_keys / api.xendit_keys — per project and environment, removable", async () => {
  const sealed = { secretKey: new Uint8Array(40).fill(1), callbackToken: new Uint8Array(40).fill(2) };
  await as(a.project.id, (tx) => setXenditKeys(tx, a.project.id, "sandbox", sealed));
  const got = await as(a.project.id, (tx) => xenditKeys(tx, a.project.id, "sandbox"));
  assert.deepEqual(got?.secretKeySealed, sealed.secretKey);
  assert.equal(await as(a.project.id, (tx) => xenditKeys(tx, a.project.id, "production")), null);
  assert.equal(
    await as(b.project.id, (tx) => xenditKeys(tx, a.project.id, "sandbox")),
    null,
    "B cannot read A's",
  );
  await rejectsAs(
    as(a.project.id, (tx) => setXenditKeys(tx, a.project.id, "staging", sealed)),
    "validation_failed",
  );
  await rejectsAs(as(b.project.id, (tx) => setXenditKeys(tx, a.project.id, "sandbox", sealed)), "forbidden");
  await as(a.project.id, (tx) => setXenditKeys(tx, a.project.id, "sandbox", null));
  assert.equal(await as(a.project.id, (tx) => xenditKeys(tx, a.project.id, "sandbox")), null);
});

for (const table of ["astapa.checkouts", "astapa.payments", "astapa.payment_events", "astapa.xendit_keys"]) {
  Deno.test(`${table} — policies: the owner project sees its rows, another project and no project see none`, async () => {
    const sealed = { secretKey: new Uint8Array(40), callbackToken: new Uint8Array(40) };
    for (const shop of [a, b]) {
      await as(shop.project.id, (tx) => setXenditKeys(tx, shop.project.id, "production", sealed));
    }
    const projectIds = async (projectId: string | null) =>
      rows(await as(projectId, (tx) => tx.unsafe(`select project_id from ${table}`))).map((r) =>
        r.project_id
      );
    const seenA = await projectIds(a.project.id);
    assert.ok(seenA.length > 0 && seenA.every((id) => id === a.project.id));
    const seenB = await projectIds(b.project.id);
    assert.ok(seenB.length > 0 && seenB.every((id) => id === b.project.id));
    assert.deepEqual(await projectIds(null), []);
    const touched = await as(
      b.project.id,
      (tx) => tx.unsafe(`delete from ${table} where project_id = '${a.project.id}'`),
    )
      .then(
        (r) => r.count,
        (error) => (String(error).includes("permission denied") ? 0 : Promise.reject(error)),
      );
    assert.equal(touched, 0, "B cannot remove A's rows");
  });
}
