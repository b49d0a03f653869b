/**
 * An organization's cancel (api.cancel_organization_plan, astapa.expire_organization_renewal_checkouts) or plan
 * change (api.change_organization_plan, astapa.replace_organization_renewal_checkouts) meeting the claim of its
 * renewal link's linked charge (api.next_renewal_charge). The claim holds the link's checkout
 * while it marks the charge claimed; the cancel voids the link unless a charge is under way. It read the charges
 * in the statement that then waited for the checkout, so a claim committed meanwhile was unseen and its link
 * voided, the money then taken for a canceled plan. Now it holds the checkouts (after the organization's row, in
 * id order: docs/database.md "Lock order") before it reads them. Each order is made certain: one side holds its
 * locks until the other is seen waiting (tests/helpers/lock_race.ts); tests/helpers/db.ts fails a test that met a
 * deadlock.
 */
import assert from "node:assert/strict";
import { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } from "@/db/linked_methods.ts";
import {
  cancelOrganizationPlan,
  organizationRenewalStep,
  setOrganizationBillingMethod,
} from "@/db/organization_renewals.ts";
import { changeOrganizationPlan } from "@/db/organization_plan_changes.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { nextRenewalCharge, recordRenewalCharge, type RenewalChargeWork } from "@/db/renewal_charges.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace } from "../helpers/lock_race.ts";
import { at, teamPlans } from "../helpers/team_plans.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const { a, as, call, organization, paying } = await teamPlans(db);
// The plan the plan-change races move to (30,000 a seat).
await as(a.id, async (tx) => {
  await tx`select api.create_plan(${a.id}, '{"key": "small", "name": "Small", "price_idr": 30000}')`;
  await tx`select api.set_plan_seats(${a.id}, 'small', 'per_seat')`;
});
type Claim = PromiseFulfilledResult<RenewalChargeWork | null>;

/** A team paying 3 seats whose owner chose a linked DANA: its renewal link is open, its charge not claimed. */
async function chargingTeam(slug: string) {
  const t = await paying(slug);
  await as(a.id, async (tx) => {
    await updateProjectSettings(tx, a.id, { linked_methods: { enabled: true } });
    const method = await startMethodLink(tx, a.id, t.owner, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    const providerId = `pm-${crypto.randomUUID()}`;
    await recordMethodLinkAnswer(tx, a.id, method.method_id, { provider_id: providerId });
    await applyMethodCallback(tx, a.id, method.method_id, {
      event: "payment_method.activated",
      provider_id: providerId,
    });
    await setOrganizationBillingMethod(tx, a.id, t.owner, t.id, method.method_id);
  });
  const now = at(t.through, -3);
  let link: string | undefined;
  for (let s = await step(now); s; s = await step(now)) {
    if (s.organization === t.id) {
      assert.ok(s.linked_charge, "the chosen method is to be charged");
      link = s.checkout!.checkout_id;
    }
  }
  assert.ok(link, "the renewal link was opened");
  return { ...t, now, link };
}

const step = (now: Date) => as(a.id, (tx) => organizationRenewalStep(tx, a.id, now, "simulator"));
const checkoutStatus = (checkoutId: string) =>
  call<string>((tx) => tx`select status from astapa.checkouts where public_id = ${checkoutId}`);

Deno.test("api.cancel_organization_plan meeting the claim of its renewal link's linked charge: waits for it, then leaves the link to finish (paid, it renews)", async () => {
  const t = await chargingTeam("claim-then-cancel");
  const [claim, cancel] = await lockRace(
    db.sql,
    a.id,
    (tx) => nextRenewalCharge(tx, a.id, t.now, 600),
    () => as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, t.id, t.owner)),
  );
  assert.equal(claim.status, "fulfilled", String((claim as PromiseRejectedResult).reason));
  assert.equal(cancel.status, "fulfilled", String((cancel as PromiseRejectedResult).reason));
  const work = (claim as Claim).value;
  assert.equal(work?.action, "charge");
  assert.equal(
    await checkoutStatus(t.link),
    "open",
    "claimed: Xendit may be taking the money, left to finish",
  );
  // Xendit takes it: paid wins, as for any charge under way at a cancel — the renewal undoes the cancel.
  const answer = { provider_id: "pr-claim-then-cancel", amount: 150_000, status: "PENDING" };
  assert.equal(
    (await as(a.id, (tx) => recordRenewalCharge(tx, a.id, work!.charge_id, answer, t.now))).action,
    "pending",
  );
  await as(a.id, (tx) =>
    recordPaymentEvent(tx, a.id, {
      providerId: "pr-claim-then-cancel",
      status: "SUCCEEDED",
      checkoutId: t.link,
      body: { data: { amount: 150_000, currency: "IDR", status: "SUCCEEDED" } },
    }));
  assert.equal((await as(a.id, (tx) => applyPaymentEvent(tx, a.id)))?.outcome, "paid");
  const o = await organization(t.id);
  const through = await call<string>((tx) => tx`select ${t.through}::timestamptz + interval '1 month'`);
  assert.deepEqual([o.plan_canceled_at, Date.parse(o.plan_paid_through as string)], [
    null,
    Date.parse(through),
  ]);
  assert.equal((await as(a.id, (tx) => nextRenewalCharge(tx, a.id, t.now, 600)))?.action, "paid");
});

Deno.test("the claim of a renewal link's linked charge meeting the organization's cancel: waits for it, finds the link voided and charges nothing", async () => {
  const t = await chargingTeam("cancel-then-claim");
  const [cancel, claim] = await lockRace(
    db.sql,
    a.id,
    (tx) => cancelOrganizationPlan(tx, a.id, t.id, t.owner),
    () => as(a.id, (tx) => nextRenewalCharge(tx, a.id, t.now, 600)),
  );
  assert.equal(cancel.status, "fulfilled", String((cancel as PromiseRejectedResult).reason));
  assert.equal(claim.status, "fulfilled", String((claim as PromiseRejectedResult).reason));
  assert.equal((claim as Claim).value?.action, "none", "no charge, no pay-link mail for a canceled plan");
  assert.equal(await checkoutStatus(t.link), "expired");
  const charge = await call((tx) =>
    tx`select jsonb_build_object('status', r.status, 'failure_code', r.failure_code, 'tries', r.tries)
       from astapa.renewal_charges r join astapa.checkouts c on c.id = r.checkout_id
       where c.public_id = ${t.link}`
  );
  assert.deepEqual(charge, { status: "failed", failure_code: "CHECKOUT_EXPIRED", tries: 0 });
  assert.ok((await organization(t.id)).plan_canceled_at, "the cancel holds");
});

/** The organization's next pay link after the race, opened by a step at `now` (null: none opened). */
async function nextLink(orgId: string, now: Date) {
  let opened = null;
  for (let s = await step(now); s; s = await step(now)) if (s.organization === orgId) opened = s;
  return opened;
}

Deno.test("api.change_organization_plan meeting the claim of the old plan's linked charge: waits for it and voids the link all the same; no new link until that charge ends, then the new plan's", async () => {
  const t = await chargingTeam("claim-then-change");
  const [claim, change] = await lockRace(
    db.sql,
    a.id,
    (tx) => nextRenewalCharge(tx, a.id, t.now, 600),
    () => as(a.id, (tx) => changeOrganizationPlan(tx, a.id, t.id, t.owner, "small")),
  );
  assert.equal(claim.status, "fulfilled", String((claim as PromiseRejectedResult).reason));
  assert.equal(change.status, "fulfilled", String((change as PromiseRejectedResult).reason));
  const work = (claim as Claim).value;
  assert.equal(work?.action, "charge");
  assert.equal(await checkoutStatus(t.link), "expired", "for a plan the next period no longer renews into");
  assert.equal(await nextLink(t.id, t.now), null, "the claimed charge holds the period");
  const ended = await as(
    a.id,
    (tx) => recordRenewalCharge(tx, a.id, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, t.now),
  );
  assert.equal(ended.action, "none", "the old plan's link is not mailed");
  const renewed = await nextLink(t.id, t.now);
  assert.deepEqual([renewed?.checkout?.plan, renewed?.checkout?.amount], ["small", 90_000]);
  // Its linked charge is the next one made (and, declined here, mails the small link), so none is left waiting.
  const small = await as(a.id, (tx) => nextRenewalCharge(tx, a.id, t.now, 600));
  assert.equal(small?.action === "charge" && small.amount, 90_000);
  const declined = await as(
    a.id,
    (tx) => recordRenewalCharge(tx, a.id, small!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, t.now),
  );
  assert.equal(declined.action === "mail" && declined.checkout.checkout_id, renewed!.checkout!.checkout_id);
});

Deno.test("the claim of the old plan's linked charge meeting the organization's plan change: waits for it, finds the link voided, and the new plan's link is opened at once", async () => {
  const t = await chargingTeam("change-then-claim");
  const [change, claim] = await lockRace(
    db.sql,
    a.id,
    (tx) => changeOrganizationPlan(tx, a.id, t.id, t.owner, "small"),
    () => as(a.id, (tx) => nextRenewalCharge(tx, a.id, t.now, 600)),
  );
  assert.equal(change.status, "fulfilled", String((change as PromiseRejectedResult).reason));
  assert.equal(claim.status, "fulfilled", String((claim as PromiseRejectedResult).reason));
  assert.equal((claim as Claim).value?.action, "none", "nothing charged for the old plan");
  assert.equal(await checkoutStatus(t.link), "expired");
  const renewed = await nextLink(t.id, t.now);
  assert.deepEqual([renewed?.checkout?.plan, renewed?.checkout?.amount, Boolean(renewed?.linked_charge)], [
    "small",
    90_000,
    true,
  ]);
});
