/**
 * A linked-method renewal charge claimed (api.next_renewal_charge, db/api/renewal_charges.sql) while its person is
 * erased (astapa.erase_user, db/api/account.sql). The claim holds its charge row and checkout, then waits for the
 * linked method (for share); the erasure holds the person's row, then their open checkouts
 * (astapa.hold_checkouts_after_person), then marks every linked method for unlink (astapa.unlink_every_method).
 * Each takes the checkout before the method, so neither holds the method while waiting for the checkout the other
 * holds: no deadlock (which tests/helpers/db.ts fails a test for), whichever gets the checkout first.
 *
 * The overlaps are made certain without timing: a third transaction holds the row one of them waits for (the
 * method, or a row the erasure deletes after unlinking) until both are seen waiting.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asApp, type Tx } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } from "@/db/linked_methods.ts";
import { assignPlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { nextRenewalCharge, type RenewalChargeWork } from "@/db/renewal_charges.ts";
import { deleteUser } from "@/db/user_admin.ts";
import { testDatabase } from "../helpers/db.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop } from "../helpers/payments.ts";
import { settle } from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const DAY = 86_400_000;

/** A person who paid pro until `paidThrough`, linked DANA (active), and whose renewal opened its linked charge. */
async function renewalCharging(email: string, paidThrough: Date) {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  const now = new Date(paidThrough.getTime() - 6 * DAY);
  const methodId = await as(p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
      end: paidThrough.toISOString(),
    });
    const method = await startMethodLink(tx, p, shop.userId, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    const providerId = `pm-${crypto.randomUUID()}`;
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: providerId });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: providerId,
    });
    return method.method_id;
  });
  const renewed = await as(p, (tx) => renewalStep(tx, p, now, "simulator"));
  assert.ok(renewed?.linked_charge, "the renewal opened a linked charge");
  return { shop, p, now, methodId, checkoutId: renewed!.checkout!.checkout_id };
}

const stateOf = async (p: string, checkoutId: string, methodId: string) => {
  const [row] = await db.sql`select c.status as checkout, m.unlink_requested_at is not null as unlinking,
      u.deleted_at is not null as erased
    from astapa.checkouts as c join astapa.users as u on u.project_id = c.project_id and u.id = c.user_id
    join astapa.linked_methods as m on m.project_id = c.project_id and m.public_id = ${methodId}
    where c.project_id = ${p} and c.public_id = ${checkoutId}`;
  return { ...row };
};

Deno.test("api.next_renewal_charge holding its checkout, waiting for the linked method, meets the person's erasure: no deadlock, claimed, then expired", async () => {
  const c = await renewalCharging("claim-then-erasure@example.com", new Date("2034-06-01T00:00:00Z"));
  let claim: Promise<PromiseSettledResult<RenewalChargeWork | null>> | undefined;
  let erasure: Promise<PromiseSettledResult<unknown>> | undefined;
  // A connection of its own: the claim, the erasure and the watcher take the test pool's.
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  await holder.begin(async (tx) => {
    await tx`select from astapa.linked_methods where project_id = ${c.p} and public_id = ${c.methodId} for update`;
    // The claim holds its charge and checkout and waits here for the method.
    claim = settle(as(c.p, (worker) => nextRenewalCharge(worker, c.p, c.now, 600)));
    await waitForLockWaiter(db.sql, 1);
    // The erasure holds the person's row and waits for the open checkout the claim holds.
    erasure = settle(as(c.p, (worker) => deleteUser(worker, c.p, c.shop.userId)));
    await waitForLockWaiter(db.sql, 2);
  }).finally(() => holder.end());
  const [claimed, erased] = [await claim!, await erasure!];
  assert.equal(claimed.status, "fulfilled", String((claimed as PromiseRejectedResult).reason));
  assert.equal(erased.status, "fulfilled", String((erased as PromiseRejectedResult).reason));
  assert.equal((claimed as PromiseFulfilledResult<RenewalChargeWork | null>).value?.action, "charge");
  assert.deepEqual(await stateOf(c.p, c.checkoutId, c.methodId), {
    checkout: "expired",
    unlinking: true,
    erased: true,
  }, "the erasure, after the claim, expired the checkout and marked the method");
});

Deno.test("api.next_renewal_charge meeting the person's erasure that holds the checkout and the method: no deadlock, waits, finds the checkout expired (none)", async () => {
  const c = await renewalCharging("erasure-then-claim@example.com", new Date("2034-07-01T00:00:00Z"));
  // The erasure deletes this row after it held the checkout and marked the method: held, it pauses there.
  await db.sql`insert into astapa.user_metadata (project_id, user_id) values (${c.p}, ${c.shop.userId})`;
  let claim: Promise<PromiseSettledResult<RenewalChargeWork | null>> | undefined;
  let erasure: Promise<PromiseSettledResult<unknown>> | undefined;
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  await holder.begin(async (tx) => {
    await tx`select from astapa.user_metadata where project_id = ${c.p} and user_id = ${c.shop.userId} for update`;
    erasure = settle(as(c.p, (worker) => deleteUser(worker, c.p, c.shop.userId)));
    await waitForLockWaiter(db.sql, 1);
    // The claim holds its charge and waits for the checkout the erasure holds.
    claim = settle(as(c.p, (worker) => nextRenewalCharge(worker, c.p, c.now, 600)));
    await waitForLockWaiter(db.sql, 2);
  }).finally(() => holder.end());
  const [claimed, erased] = [await claim!, await erasure!];
  assert.equal(erased.status, "fulfilled", String((erased as PromiseRejectedResult).reason));
  assert.equal(claimed.status, "fulfilled", String((claimed as PromiseRejectedResult).reason));
  const work = (claimed as PromiseFulfilledResult<RenewalChargeWork | null>).value;
  assert.equal(work?.action, "none", "an erased person's expired checkout is not charged");
  assert.deepEqual(await stateOf(c.p, c.checkoutId, c.methodId), {
    checkout: "expired",
    unlinking: true,
    erased: true,
  });
});
