/**
 * SQL tests for team plan renewals (db/api/team_plans.sql, migration 3970): the organizations' renewal step
 * (a pay link to owners and admins once per period, grace, falling back when unpaid or canceled), paying a
 * renewal (from the paid-through date, also in grace; other seats only from the new period), cancel and resume
 * by owners, admins or the app, the pay links a plan that ends leaves behind (expired with it; a charge already
 * made still applied; a success callback racing the end), the projects the scheduler visits, and another
 * project. `now` is an argument of every step, so the clock is the test's.
 */
import assert from "node:assert/strict";
import {
  cancelOrganizationPlan,
  organizationRenewalStep,
  projectsWithOrganizationRenewals,
  resumeOrganizationPlan,
} from "@/db/organization_renewals.ts";
import { applyPaymentEvent, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { lockRace, waitForLockWaiter } from "../helpers/lock_race.ts";
import { payCheckout } from "../helpers/paid_checkouts.ts";
import { listenTo } from "../helpers/notify.ts";
import { waitFor } from "../helpers/wait.ts";
import { at, type Json, teamPlans } from "../helpers/team_plans.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const { a, b, as, call, organization, team, checkout, pay, paying } = await teamPlans(db);

const step = (now: Date, account: "simulator" | null = "simulator", project = a.id) =>
  as(project, (tx) => organizationRenewalStep(tx, project, now, account));
/** Runs steps at `now` until nothing is left; answers the steps about `org`. */
async function pass(now: Date, org: string) {
  const taken = [];
  for (let s = await step(now); s; s = await step(now)) if (s.organization === org) taken.push(s);
  return taken;
}
const events = async (type: string, org: string) =>
  (await as(
    a.id,
    async (tx) => rows(await tx`select data from astapa.events where type = ${type} order by id`),
  ))
    .map((r) => r.data as Json).filter((d) => (d.organization as Json).id === org);

Deno.test("api.organization_renewal_step — the next period's pay link once, to owners and admins, for the seats", async () => {
  const t = await paying("kopi");
  assert.deepEqual(await pass(at(t.through, -8), t.id), [], "seven days' notice by default");
  assert.deepEqual(await pass(at(t.through, -3), t.id).then((s) => s.length), 1);
  const reminder = (await events("organization.renewal_due", t.id))[0];
  assert.deepEqual([reminder.amount, reminder.seats, Date.parse(reminder.period_start as string)], [
    150_000,
    3,
    t.through.getTime(),
  ]);
  assert.deepEqual(await pass(at(t.through, -2), t.id), [], "once per period");
  const opened = await call((tx) =>
    tx`select jsonb_build_object('payer', user_id::text, 'seats', seats, 'amount', amount, 'status', status)
       from astapa.checkouts where organization_id = ${t.id} and public_id = ${reminder
      .checkout_id as string}`
  );
  assert.deepEqual([opened.payer, opened.seats, opened.amount, opened.status], [t.owner, 3, 150_000, "open"]);
  const audited = await call<number>((tx) =>
    tx`select count(*)::int from astapa.audit_log where action = 'organization.renewal_due' and target = ${t.id}`
  );
  assert.equal(audited, 1);
});

Deno.test("api.organization_renewal_step — answers the owners' and admins' addresses; without payments no pay link", async () => {
  const t = await paying("teh");
  // Payments not configured: nothing to send.
  assert.equal(await as(a.id, (tx) => organizationRenewalStep(tx, a.id, at(t.through, -3), null)), null);
  const taken = await pass(at(t.through, -3), t.id);
  assert.equal(taken.length, 1);
  assert.equal(taken[0].action, "remind");
  assert.deepEqual(taken[0].emails, ["owner@teh.example", "admin@teh.example"], "not the plain member");
  assert.deepEqual([taken[0].checkout?.seats, taken[0].checkout?.organization_id], [3, t.id]);
});

Deno.test("paying the renewal — from the paid-through date; paid in the grace days it still continues the period", async () => {
  const t = await paying("jamu");
  const [reminder] = await pass(at(t.through, -3), t.id);
  await pay(reminder.checkout!.checkout_id, 150_000);
  const renewed = new Date((await organization(t.id)).plan_paid_through as string);
  assert.ok(renewed.getTime() >= at(t.through, 28).getTime(), "a month from the old paid-through date");
  // The next period's reminder comes again.
  assert.equal((await pass(at(renewed, -3), t.id)).length, 1);
  // In grace: the paid period is over (moved back, the database clock cannot move), the plan still held.
  await as(
    a.id,
    (tx) =>
      tx`update astapa.organizations set plan_paid_through = now() - interval '1 day', plan_reminded_for = null
       where id = ${t.id}`,
  );
  const lapsed = new Date((await organization(t.id)).plan_paid_through as string);
  assert.deepEqual(await pass(new Date(), t.id).then((s) => s.map((x) => x.action)), ["remind"]);
  const [late] = await as(a.id, async (tx) =>
    rows(
      await tx`select public_id, amount from astapa.checkouts where organization_id = ${t.id} and status = 'open'`,
    ));
  await pay(late.public_id as string, late.amount as number);
  const after = new Date((await organization(t.id)).plan_paid_through as string);
  assert.ok(after.getTime() < at(lapsed, 32).getTime() && after.getTime() > at(lapsed, 27).getTime());
});

Deno.test("a renewal for more seats does not raise the limit before its period; /billing shows the next limit", async () => {
  const t = await paying("susu", 5);
  const [reminder] = await pass(at(t.through, -3), t.id);
  assert.equal(reminder.checkout?.seats, 5);
  // The app lowers the running limit meanwhile; the renewal paid for 5 seats starts with the next period.
  await call((tx) => tx`select api.update_organization(${t.id}, '{"seat_limit": 3}')`);
  await pay(reminder.checkout!.checkout_id, 250_000);
  const o = await organization(t.id);
  assert.deepEqual([o.seat_limit, o.next_seat_limit, Date.parse(o.next_seat_limit_from as string)], [
    3,
    5,
    t.through.getTime(),
  ]);
  const billing = await call<{ organizations: Json[] }>((tx) =>
    tx`select api.organization_billing(${t.owner})`
  );
  const mine = billing.organizations.find((x) => x.id === t.id)!;
  assert.deepEqual([mine.seat_limit, mine.next_seat_limit], [3, 5]);
});

Deno.test("unpaid — the plan is kept through the grace days, then the organization falls back (events, audit)", async () => {
  const t = await paying("sirup");
  await pass(at(t.through, -3), t.id);
  assert.deepEqual(await pass(at(t.through, 1), t.id), [], "grace: nothing to do");
  assert.deepEqual((await pass(at(t.through, 3), t.id)).map((s) => s.action), ["expire"]);
  const o = await organization(t.id);
  assert.deepEqual([o.plan, o.seat_limit, o.plan_paid_through, o.plan_canceled_at], [null, null, null, null]);
  const ended = await events("organization.plan_ended", t.id);
  assert.deepEqual(ended.map((e) => [e.plan, e.reason]), [["seat", "unpaid"]]);
  assert.deepEqual(await call((tx) => tx`select astapa.organization_plan_claims(${t.id})`), {});
  const audited = await call<number>((tx) =>
    tx`select count(*)::int from astapa.audit_log where action = 'organization.plan_ended' and target = ${t.id}`
  );
  assert.equal(audited, 1);
  assert.deepEqual(await pass(at(t.through, 40), t.id), [], "nothing left to do");
});

Deno.test("cancel and resume — owners and admins (or the app); a canceled plan gets no pay link and ends at its period's end", async () => {
  const t = await paying("gula");
  const cancel = (sub: string | null, org = t.id, project = a.id) =>
    as(project, (tx) => cancelOrganizationPlan(tx, project, org, sub));
  const resume = (sub: string | null) => as(a.id, (tx) => resumeOrganizationPlan(tx, a.id, t.id, sub));
  await rejectsAs(cancel(t.member), "forbidden", /Only an owner or admin of gula can cancel its plan\./);
  await rejectsAs(cancel("999999"), "forbidden");
  await rejectsAs(resume(t.admin), "conflict", /no canceled team plan still running/);
  const canceled = await cancel(t.admin);
  assert.ok(canceled.plan_canceled_at);
  assert.equal(
    (await cancel(t.owner)).plan_canceled_at,
    canceled.plan_canceled_at,
    "repeating changes nothing",
  );
  assert.deepEqual(await pass(at(t.through, -3), t.id), [], "no pay link for a canceled plan");
  assert.equal((await resume(t.owner)).plan_canceled_at, null);
  await rejectsAs(resume(t.member), "forbidden", /resume its plan/);
  assert.ok((await cancel(null)).plan_canceled_at, "the app cancels");
  assert.deepEqual(await pass(at(t.through, -1), t.id), []);
  assert.deepEqual((await pass(t.through, t.id)).map((s) => s.action), ["end"], "no grace once canceled");
  const ended = await events("organization.plan_ended", t.id);
  assert.deepEqual(ended.map((e) => e.reason), ["canceled"]);
  await rejectsAs(cancel(t.owner), "conflict", /gula has no running paid team plan to cancel\./);
  await rejectsAs(cancel(null, t.id, b.id), "not_found");
  await rejectsAs(cancel(null, "org_nope"), "not_found");
  const actions = await call<string[]>((tx) =>
    tx`select array_agg(action order by id) from astapa.audit_log
       where target = ${t.id} and action in ('organization.plan_canceled', 'organization.plan_resumed')`
  );
  assert.deepEqual(actions, [
    "organization.plan_canceled",
    "organization.plan_resumed",
    "organization.plan_canceled",
  ]);
});

Deno.test("a pay link that cannot be opened does not stop the pass: skipped for the period, audited; the plan runs out", async () => {
  const t = await paying("kunyit");
  const later = await paying("jahe");
  // The owner now belongs to the project's other environment: api.create_checkout refuses them as payer.
  await db.sql`update astapa.users set environment = 'production' where id = ${t.owner}::bigint`;
  const steps = [];
  for (let s = await step(at(later.through, -3)); s; s = await step(at(later.through, -3))) steps.push(s);
  assert.deepEqual(steps.filter((s) => s.organization === t.id).map((s) => s.action), ["none"]);
  assert.deepEqual(
    steps.filter((s) => s.organization === later.id).map((s) => s.action),
    ["remind"],
    "the pass went on",
  );
  const skipped = await call<string>((tx) =>
    tx`select details->>'error' from astapa.audit_log where action = 'organization.renewal_skipped' and target = ${t.id}`
  );
  assert.match(skipped, /other environment/);
  assert.deepEqual((await pass(at(t.through, 3), t.id)).map((s) => s.action), ["expire"]);
});

Deno.test("paying again undoes a cancel", async () => {
  const t = await paying("madu");
  await as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, t.id, t.owner));
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 })).checkout_id as string, 150_000);
  assert.equal((await organization(t.id)).plan_canceled_at, null);
});

const checkoutStatus = (checkoutId: string) =>
  call<string>((tx) => tx`select status from astapa.checkouts where public_id = ${checkoutId}`);

/** A QRIS charge made on a pay link (the checkout is pending), without its callback yet. */
const charge = (checkoutId: string, providerId: string) =>
  as(a.id, (tx) =>
    recordPayment(tx, a.id, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    }));

/** Xendit's SUCCEEDED callback for that charge, stored as the webhook stores it (the worker applies it). */
const succeeded = (checkoutId: string, providerId: string, amount = 150_000) =>
  as(a.id, (tx) =>
    recordPaymentEvent(tx, a.id, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, currency: "IDR", status: "SUCCEEDED" } },
    }));

/** The checkout ids NOTIFY astapa_checkouts named (what an open checkout page listens to). */
async function checkoutNotices() {
  const checkouts = await listenTo(db.sql, "astapa_checkouts");
  return {
    heard: (checkoutId: string) =>
      checkouts.heard(`a NOTIFY for ${checkoutId}`, (payload) => payload === checkoutId),
    stop: () => checkouts.unlisten(),
  };
}

Deno.test("a plan that ends — unpaid or canceled — closes its unpaid pay links: expired, their pages told, paying them refused", async () => {
  const notices = await checkoutNotices();
  try {
    // Unpaid: the renewal's pay link outlived the plan and bought it back, a whole period from the payment.
    const unpaid = await paying("rempah");
    const [reminder] = await pass(at(unpaid.through, -3), unpaid.id);
    const link = reminder.checkout!.checkout_id;
    assert.deepEqual((await pass(at(unpaid.through, 3), unpaid.id)).map((s) => s.action), ["expire"]);
    assert.equal(await checkoutStatus(link), "expired");
    await notices.heard(link);
    await rejectsAs(payCheckout(db.sql, a.id, link, 150_000), "conflict", /already expired/);
    assert.equal((await organization(unpaid.id)).plan, null, "the plan stays ended");
    // Canceled after the reminder, with seats added meanwhile: neither link is paid for a plan that is over.
    const canceled = await paying("kayu-manis");
    const [before] = await pass(at(canceled.through, -3), canceled.id);
    const seats = (await checkout(canceled.id, { sub: canceled.owner, plan: "seat", seats: 5 }))
      .checkout_id as string;
    await as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, canceled.id, canceled.owner));
    assert.deepEqual((await pass(canceled.through, canceled.id)).map((s) => s.action), ["end"]);
    for (const id of [before.checkout!.checkout_id, seats]) {
      assert.equal(await checkoutStatus(id), "expired", id);
      await notices.heard(id);
    }
    await rejectsAs(
      payCheckout(db.sql, a.id, before.checkout!.checkout_id, 150_000),
      "conflict",
      /already expired/,
    );
    assert.equal((await organization(canceled.id)).plan, null, "the cancel holds");
  } finally {
    await notices.stop();
  }
});

Deno.test("api.cancel_organization_plan voids the next period's pay link, open or with its charges ended (astapa.expire_organization_renewal_checkouts); one with a charge under way is left", async () => {
  // Open: voided at the cancel, not left payable (paid, it renewed the plan and undid the cancel) until the end.
  const open = await paying("asam");
  const [reminder] = await pass(at(open.through, -3), open.id);
  const link = reminder.checkout!.checkout_id;
  await as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, open.id, open.owner));
  assert.equal(await checkoutStatus(link), "expired", "the cancel voided the open link");
  await rejectsAs(charge(link, "pr-org-cancel-open"), "conflict", /already expired/);
  // Charged, the charge ended (Xendit expired it): another method would buy the plan back. Voided too.
  const ended = await paying("adas");
  const [endedReminder] = await pass(at(ended.through, -3), ended.id);
  const endedLink = endedReminder.checkout!.checkout_id;
  await charge(endedLink, "pr-org-cancel-ended");
  await as(a.id, (tx) =>
    recordPaymentEvent(tx, a.id, {
      providerId: "pr-org-cancel-ended",
      status: "EXPIRED",
      checkoutId: endedLink,
      body: { data: { amount: 150_000, currency: "IDR", status: "EXPIRED" } },
    }));
  assert.equal((await as(a.id, (tx) => applyPaymentEvent(tx, a.id)))?.outcome, "expired");
  assert.equal(await checkoutStatus(endedLink), "pending");
  await as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, ended.id, null));
  assert.equal(await checkoutStatus(endedLink), "expired", "its charges ended: voided");
  // A charge under way: left to finish; paid, it renews the plan (the cancel undone).
  const flying = await paying("kapulaga");
  const [flyingReminder] = await pass(at(flying.through, -3), flying.id);
  const flyingLink = flyingReminder.checkout!.checkout_id;
  await charge(flyingLink, "pr-org-cancel-flying");
  await as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, flying.id, flying.owner));
  assert.equal(await checkoutStatus(flyingLink), "pending", "money may be moving");
  await succeeded(flyingLink, "pr-org-cancel-flying");
  assert.equal((await as(a.id, (tx) => applyPaymentEvent(tx, a.id)))?.outcome, "paid");
  assert.equal((await organization(flying.id)).plan_canceled_at, null, "paid, the renewal undid the cancel");
});

Deno.test("a charge made on the pay link before the plan ended is still applied when Xendit settles it: a period from then", async () => {
  const t = await paying("cengkeh");
  const [reminder] = await pass(at(t.through, -3), t.id);
  const link = reminder.checkout!.checkout_id;
  await charge(link, "pr-cengkeh");
  assert.deepEqual((await pass(at(t.through, 3), t.id)).map((s) => s.action), ["expire"]);
  assert.equal(await checkoutStatus(link), "expired");
  // As a person's (api.renewal_step): the charge stays as Xendit has it, and paid wins — no rupiah for nothing.
  await succeeded(link, "pr-cengkeh");
  const before = Date.now();
  assert.equal((await as(a.id, (tx) => applyPaymentEvent(tx, a.id)))?.outcome, "paid");
  const o = await organization(t.id);
  assert.deepEqual([o.plan, o.seat_limit, await checkoutStatus(link)], ["seat", 3, "paid"]);
  // The plan it had is over, so the period starts at the payment (the database's clock).
  const through = Date.parse(o.plan_paid_through as string);
  assert.ok(through > at(new Date(before), 27).getTime() && through < at(new Date(), 32).getTime());
  const receipts = await call<number>((tx) =>
    tx`select count(*)::int from astapa.receipts r join astapa.payments y on y.id = r.payment_id
       join astapa.checkouts k on k.id = y.checkout_id where k.organization_id = ${t.id}`
  );
  assert.equal(receipts, 2);
});

Deno.test("the plan ending while a success callback of its renewal waits for the payer's row: no deadlock, paid once", async () => {
  const t = await paying("pala");
  const [reminder] = await pass(at(t.through, -3), t.id);
  const link = reminder.checkout!.checkout_id;
  await charge(link, "pr-pala");
  await succeeded(link, "pr-pala");
  // The payer's row is held (a sign-in updating it, say), so the worker stops there with what it took before.
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let holds!: () => void;
  const holding = new Promise<void>((resolve) => holds = resolve);
  const holder = as(a.id, async (tx) => {
    await tx`select 1 from astapa.users where id = ${t.owner}::bigint for no key update`;
    holds();
    await released;
  });
  await holding;
  const worker = as(a.id, (tx) => applyPaymentEvent(tx, a.id));
  await waitForLockWaiter(db.sql);
  // The pass, after the grace days: it either skips the organization the callback holds, or waits for it.
  let passDone = false;
  const ended = pass(at(t.through, 3), t.id).finally(() => passDone = true);
  await waitFor(async () => {
    if (passDone) return true;
    const [row] = await db.sql`select count(*)::int as waiting from pg_stat_activity
                               where datname = current_database() and wait_event_type = 'Lock'`;
    return row.waiting >= 2;
  }, "the pass to finish or to wait too");
  release();
  await holder;
  assert.equal((await worker)?.outcome, "paid");
  await ended;
  // Paid in the grace days: the period continues from the old paid-through date, and nothing is left to end.
  const o = await organization(t.id);
  const through = await call<string>((tx) => tx`select ${t.through}::timestamptz + interval '1 month'`);
  assert.deepEqual([o.plan, Date.parse(o.plan_paid_through as string)], ["seat", Date.parse(through)]);
  assert.deepEqual(await pass(at(t.through, 3), t.id), []);
  assert.equal(await checkoutStatus(link), "paid");
});

Deno.test("api.cancel_organization_plan meeting a success callback of the renewal link, stopped at the payer's row: no deadlock, paid, then canceled", async () => {
  const t = await paying("lada");
  const [reminder] = await pass(at(t.through, -3), t.id);
  const link = reminder.checkout!.checkout_id;
  await charge(link, "pr-lada");
  await succeeded(link, "pr-lada");
  // The payer's row is held, so the worker stops there holding the organization, the link and its charge.
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let holds!: () => void;
  const holding = new Promise<void>((resolve) => holds = resolve);
  const holder = as(a.id, async (tx) => {
    await tx`select 1 from astapa.users where id = ${t.owner}::bigint for no key update`;
    holds();
    await released;
  });
  await holding;
  const worker = as(a.id, (tx) => applyPaymentEvent(tx, a.id));
  await waitForLockWaiter(db.sql);
  // The cancel waits for the organization's row before it touches the link (the callback's order).
  const canceled = as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, t.id, t.owner));
  await waitForLockWaiter(db.sql, 2);
  release();
  await holder;
  assert.equal((await worker)?.outcome, "paid");
  assert.ok((await canceled).plan_canceled_at, "canceled after the renewal was paid");
  assert.equal(await checkoutStatus(link), "paid");
  assert.ok(Date.parse((await organization(t.id)).plan_paid_through as string) > t.through.getTime());
});

Deno.test("api.cancel_organization_plan holding the organization while a late success of its voided link's ended charge waits: then paid (paid wins, the cancel undone)", async () => {
  const t = await paying("ketumbar");
  const [reminder] = await pass(at(t.through, -3), t.id);
  const link = reminder.checkout!.checkout_id;
  await charge(link, "pr-ketumbar");
  await as(a.id, (tx) =>
    recordPaymentEvent(tx, a.id, {
      providerId: "pr-ketumbar",
      status: "EXPIRED",
      checkoutId: link,
      body: { data: { amount: 150_000, currency: "IDR", status: "EXPIRED" } },
    }));
  assert.equal((await as(a.id, (tx) => applyPaymentEvent(tx, a.id)))?.outcome, "expired");
  await succeeded(link, "pr-ketumbar");
  const [cancel, late] = await lockRace(
    db.sql,
    a.id,
    (tx) => cancelOrganizationPlan(tx, a.id, t.id, t.owner),
    () => as(a.id, (tx) => applyPaymentEvent(tx, a.id)),
  );
  assert.equal(cancel.status, "fulfilled", String((cancel as PromiseRejectedResult).reason));
  assert.equal(late.status, "fulfilled", String((late as PromiseRejectedResult).reason));
  assert.equal((late as PromiseFulfilledResult<{ outcome: string } | null>).value?.outcome, "paid");
  assert.equal(await checkoutStatus(link), "paid", "money Xendit took is applied");
  assert.equal((await organization(t.id)).plan_canceled_at, null, "paid, the renewal undid the cancel");
});

Deno.test("api.projects_with_organization_renewals — projects with paid team plans, outside any project only; another project's step sees none", async () => {
  const t = await paying("garam");
  const listed = await as(null, (tx) => projectsWithOrganizationRenewals(tx));
  assert.ok(listed.includes(a.id));
  assert.ok(!listed.includes(b.id));
  await rejectsAs(as(a.id, (tx) => projectsWithOrganizationRenewals(tx)), "forbidden");
  assert.equal(await step(at(t.through, 5), "simulator", b.id), null);
  await rejectsAs(
    as(a.id, (tx) => tx`select api.organization_renewal_step(${a.id}, null, 'simulator')`),
    "validation_failed",
  );
  await rejectsAs(
    as(a.id, (tx) => tx`select api.organization_renewal_step(${a.id}, now(), 'elsewhere')`),
    "validation_failed",
  );
  await rejectsAs(
    as(a.id, (tx) => tx`select api.organization_renewal_step('nope', now(), null)`),
    "not_found",
  );
});

Deno.test("api.cancel_organization_plan, api.resume_organization_plan — the organization as the API shows it, an event per change; AS403, AS404, AS409", async () => {
  const t = await paying("direct");
  const cancel = (sub: string | null, project = a.id, org = t.id) =>
    as(
      project,
      async (tx) =>
        (await tx`select api.cancel_organization_plan(${project}, ${org}, ${sub}) as o`)[0].o as Json,
    );
  const resume = (sub: string | null, project = a.id, org = t.id) =>
    as(
      project,
      async (tx) =>
        (await tx`select api.resume_organization_plan(${project}, ${org}, ${sub}) as o`)[0].o as Json,
    );
  const updates = async () => (await events("organization.updated", t.id)).length;

  const before = await updates();
  const canceled = await cancel(t.owner);
  assert.deepEqual([canceled.id, canceled.plan, typeof canceled.plan_canceled_at], [t.id, "seat", "string"]);
  const { domains: _, ...shown } = await organization(t.id);
  assert.deepEqual(canceled, shown, "the organization as api.get_organization shows it, but its domains");
  assert.equal(await updates(), before + 1);
  assert.deepEqual(await cancel(null), canceled, "repeating it changes nothing");
  assert.equal(await updates(), before + 1, "and emits nothing");

  await rejectsAs(resume(t.member), "forbidden");
  await rejectsAs(resume(null, b.id), "not_found", /not found in this project/);
  const resumed = await resume(t.admin);
  assert.equal(resumed.plan_canceled_at, null);
  assert.equal(await updates(), before + 2);
  await rejectsAs(resume(t.admin), "conflict", /no canceled team plan still running/);

  await rejectsAs(cancel(t.member), "forbidden");
  await rejectsAs(cancel(null, b.id), "not_found");
  await rejectsAs(cancel(null, a.id, "org_unknown"), "not_found");
  assert.equal((await organization(t.id)).plan_canceled_at, null, "another project's call changed nothing");

  const unpaid = await team("direct-unpaid");
  await rejectsAs(cancel(null, a.id, unpaid.id), "conflict", /no running paid team plan/);
  await cancel(t.owner);
  await as(
    a.id,
    (tx) =>
      tx`update astapa.organizations set plan_paid_through = now() - interval '1 second' where id = ${t.id}`,
  );
  await rejectsAs(resume(t.owner), "conflict", /no canceled team plan still running/);
  await rejectsAs(cancel(t.owner), "conflict", /no running paid team plan/);
});
