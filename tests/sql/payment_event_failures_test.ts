/** Migration 1901: an event that cannot be applied is set aside (outcome error) instead of blocking the rest. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  applyPaymentEvent,
  createCheckout,
  getCheckout,
  recordPayment,
  recordPaymentEvent,
  requeuePaymentEvent,
} from "@/db/payments.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

async function chargedCheckout(shop: Shop, providerId: string): Promise<string> {
  const id = shop.project.id;
  const checkout = await asApp(
    db.sql,
    id,
    (tx) => createCheckout(tx, id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await asApp(db.sql, id, (tx) =>
    recordPayment(tx, id, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    }));
  return checkout.checkout_id;
}

const callback = (shop: Shop, providerId: string, checkoutId: string, amount: unknown) =>
  asApp(db.sql, shop.project.id, (tx) =>
    recordPaymentEvent(tx, shop.project.id, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, status: "SUCCEEDED" } },
    }));

const apply = (shop: Shop) => asApp(db.sql, shop.project.id, (tx) => applyPaymentEvent(tx, shop.project.id));
const checkoutStatus = async (shop: Shop, checkoutId: string) =>
  (await asApp(db.sql, shop.project.id, (tx) => getCheckout(tx, shop.project.id, checkoutId)))?.status;

Deno.test("api.apply_payment_event — a malformed event is set aside with its error; the next one applies", async () => {
  const shop = await seedShop(db.sql, { email: "poison@example.com" });
  const bad = await chargedCheckout(shop, "pr-poison-1");
  const good = await chargedCheckout(shop, "pr-poison-2");
  await callback(shop, "pr-poison-1", bad, "ninety-nine thousand");
  await callback(shop, "pr-poison-2", good, 99_000);

  const first = await apply(shop);
  assert.equal(first?.outcome, "error");
  assert.match(first?.error ?? "", /^22P02: invalid input syntax for type numeric/);
  assert.equal((await apply(shop))?.outcome, "paid", "the event behind it is not held up");
  assert.equal(await apply(shop), null);
  assert.equal(await checkoutStatus(shop, bad), "pending", "nothing of the failed event was kept");
  assert.equal(await checkoutStatus(shop, good), "paid");
});

Deno.test("api.requeue_payment_event — puts a failed event back in line, audited; only failed ones (AS404)", async () => {
  const shop = await seedShop(db.sql, { email: "requeue@example.com" });
  const checkoutId = await chargedCheckout(shop, "pr-requeue-1");
  await callback(shop, "pr-requeue-1", checkoutId, "oops");
  const failed = await apply(shop);
  assert.equal(failed?.outcome, "error");
  // The operator fixes the cause (here: the stored amount), then requeues.
  await db.sql`update astapa.payment_events set body = '{"data":{"amount":99000}}' where id = ${
    failed!.event_id
  }`;
  const other = await seedShop(db.sql, { email: "stranger@example.com" });
  await rejectsAs(
    asApp(db.sql, other.project.id, (tx) => requeuePaymentEvent(tx, shop.project.id, failed!.event_id)),
    "not_found",
  );
  await asApp(db.sql, shop.project.id, (tx) => requeuePaymentEvent(tx, shop.project.id, failed!.event_id), {
    actor: "cli",
  });
  const [audit] = await db.sql`select action, target from astapa.audit_log
    where project_id = ${shop.project.id} and action = 'payment_event.requeued'`;
  assert.deepEqual({ ...audit }, {
    action: "payment_event.requeued",
    target: `payment_event:${failed!.event_id}`,
  });
  assert.equal((await apply(shop))?.outcome, "paid");
  assert.equal(await checkoutStatus(shop, checkoutId), "paid");
  await rejectsAs(
    asApp(db.sql, shop.project.id, (tx) => requeuePaymentEvent(tx, shop.project.id, failed!.event_id)),
    "not_found",
  );
});

Deno.test("api.apply_payment_event — a transient failure rolls back and leaves the event first in line", async () => {
  const shop = await seedShop(db.sql, { email: "transient@example.com" });
  const checkoutId = await chargedCheckout(shop, "pr-transient-1");
  await callback(shop, "pr-transient-1", checkoutId, 99_000);
  await db.sql.unsafe(`
    create function public.simulate_serialization_failure() returns trigger language plpgsql as $$
    begin raise exception 'could not serialize access' using errcode = '40001'; end $$;
    create trigger simulate_serialization_failure before update on astapa.checkouts
      for each row execute function public.simulate_serialization_failure();`);
  try {
    await assert.rejects(() => apply(shop), (e: { code?: string }) => e.code === "40001");
  } finally {
    await db.sql.unsafe(`drop trigger simulate_serialization_failure on astapa.checkouts;
      drop function public.simulate_serialization_failure();`);
  }
  const [row] = await db.sql`select processed_at, outcome from astapa.payment_events
    where project_id = ${shop.project.id}`;
  assert.deepEqual({ ...row }, { processed_at: null, outcome: null });
  assert.equal((await apply(shop))?.outcome, "paid");
});

Deno.test("payment worker — a failing event does not stop it: the events after it are applied", async () => {
  const shop = await seedShop(db.sql, { email: "worker-poison@example.com" });
  const bad = await chargedCheckout(shop, "pr-worker-1");
  const good = await chargedCheckout(shop, "pr-worker-2");
  await callback(shop, "pr-worker-1", bad, { not: "a number" });
  await callback(shop, "pr-worker-2", good, 99_000);
  const applied: { outcome: string; error?: string }[] = [];
  const worker = new PaymentEventWorker(db.sql, { onApplied: (event) => applied.push(event) });
  await worker.start();
  await worker.stop();
  const mine = applied.filter((event) => event.outcome === "error" || event.outcome === "paid");
  assert.deepEqual(mine.map((event) => event.outcome), ["error", "paid"]);
  assert.equal(await checkoutStatus(shop, good), "paid");
});

Deno.test("payment worker — after a transient failure it tries again by itself, with no new callback", async () => {
  const shop = await seedShop(db.sql, { email: "worker-retry@example.com" });
  const checkoutId = await chargedCheckout(shop, "pr-worker-retry");
  await callback(shop, "pr-worker-retry", checkoutId, 99_000);
  // The first attempt meets a deadlock-like failure; the trigger lets later attempts through.
  // (a sequence counts the attempts: unlike a table, it is not rolled back with the failed transaction).
  await db.sql.unsafe(`
    create sequence public.apply_attempts;
    create function public.fail_once() returns trigger language plpgsql as $$
    begin
      if pg_catalog.nextval('public.apply_attempts') = 1 then
        raise exception 'deadlock detected' using errcode = '40P01';
      end if;
      return new;
    end $$;
    create trigger fail_once before update on astapa.checkouts for each row execute function public.fail_once();
    grant usage on sequence public.apply_attempts to astapa_app;`);
  const worker = new PaymentEventWorker(db.sql, { retryMs: 50 });
  try {
    await worker.start();
    await waitFor(async () => (await checkoutStatus(shop, checkoutId)) === "paid", "the retry to apply it");
    const [attempts] = await db.sql`select last_value::int as n from public.apply_attempts`;
    assert.equal(attempts.n, 2, "one failed attempt, then the retry");
  } finally {
    await worker.stop();
    await db.sql.unsafe(`drop trigger fail_once on astapa.checkouts; drop function public.fail_once();
      drop sequence public.apply_attempts;`);
  }
});

Deno.test("payment worker — a callback whose NOTIFY was lost (stored mid-failover) is applied by the sweep", async () => {
  const shop = await seedShop(db.sql, { email: "worker-sweep@example.com" });
  const checkoutId = await chargedCheckout(shop, "pr-worker-sweep");
  const worker = new PaymentEventWorker(db.sql, { sweepMs: 50 });
  try {
    await worker.start();
    // Stored with its wake-up call lost: the NOTIFY trigger is off while the row goes in.
    await db.sql.unsafe(`alter table astapa.payment_events disable trigger payment_events_notify`);
    try {
      await callback(shop, "pr-worker-sweep", checkoutId, 99_000);
    } finally {
      await db.sql.unsafe(`alter table astapa.payment_events enable trigger payment_events_notify`);
    }
    await waitFor(async () => (await checkoutStatus(shop, checkoutId)) === "paid", "the sweep to apply it");
  } finally {
    await worker.stop();
  }
});

Deno.test("payment worker — a drain that cannot list the projects is tried again by itself", async () => {
  const shop = await seedShop(db.sql, { email: "worker-list@example.com" });
  const checkoutId = await chargedCheckout(shop, "pr-worker-list");
  await callback(shop, "pr-worker-list", checkoutId, 99_000);
  // The list fails while the grant is gone (as it does when a failover outlasts the retry budget); no sweep
  // comes within the test, so only the drain's own retry can apply the callback.
  await db.sql.unsafe(`revoke execute on function api.projects_with_payment_events() from astapa_app`);
  const worker = new PaymentEventWorker(db.sql, { retryMs: 50, sweepMs: 3_600_000 });
  try {
    await worker.start(); // its first drain fails
    assert.equal(await checkoutStatus(shop, checkoutId), "pending");
    await db.sql.unsafe(`grant execute on function api.projects_with_payment_events() to astapa_app`);
    await waitFor(async () => (await checkoutStatus(shop, checkoutId)) === "paid", "the retry to apply it");
  } finally {
    await worker.stop();
    await db.sql.unsafe(`grant execute on function api.projects_with_payment_events() to astapa_app`);
  }
});
