/**
 * SQL tests for renewals, cancel/resume, reconciliation and the mail outbox (db/api/billing.sql, db/api/mail.sql): happy
 * paths, each error, and the policies. `now` is an argument of every step, so the clock is the test's.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  cancelSubscription,
  claimStalePayments,
  expireCheckouts,
  listMail,
  projectsWithBillingWork,
  queueMail,
  recordPaymentReconcileError,
  renewalStep,
  resumeSubscription,
} from "@/db/billing.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { OURS } from "../helpers/stopped_reconciliation.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedShop(db.sql, { email: "a@example.com" });
const b = await seedShop(db.sql, { email: "b@example.com" });
const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);
const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);

/** A user of `shop` who paid for pro until `paidThrough` (a month from its start). */
async function payingUser(shop: typeof a, email: string, paidThrough: Date): Promise<string> {
  const userId = await seedUser(db.sql, shop.project.id, email);
  await as(shop.project.id, (tx) =>
    assignPlan(tx, shop.project.id, userId, "pro", "payment", {
      start: at(paidThrough, -30).toISOString(),
      end: paidThrough.toISOString(),
    }));
  return userId;
}

const step = (shop: typeof a, now: Date, account: "simulator" | null = "simulator") =>
  as(shop.project.id, (tx) => renewalStep(tx, shop.project.id, now, account));

async function eventsOf(projectId: string, type: string) {
  return await as(
    projectId,
    async (tx) =>
      rows(await tx`select data from astapa.events where type = ${type} order by id`).map((r) => r.data),
  );
}

Deno.test("api.renewal_step — opens the next period's checkout once, with the pay-link data", async () => {
  const a = await seedShop(db.sql, { email: "owner@example.com" });
  const paidThrough = new Date("2031-03-01T00:00:00Z");
  const user = await payingUser(a, "renew@example.com", paidThrough);
  // Eight days before: not yet (notice is seven days by default).
  assert.equal(await step(a, at(paidThrough, -8)), null);
  const renewed = await step(a, at(paidThrough, -6));
  assert.equal(renewed?.action, "renew");
  assert.equal(renewed?.sub, user);
  assert.equal(renewed?.email, "renew@example.com");
  assert.equal(renewed?.checkout?.plan, "pro");
  assert.equal(renewed?.checkout?.amount, 99_000);
  assert.equal(new Date(renewed!.checkout!.period_start!).getTime(), paidThrough.getTime());
  // One checkout per period: the next step finds nothing to do.
  assert.equal(await step(a, at(paidThrough, -5)), null);
  const due = await eventsOf(a.project.id, "subscription.renewal_due");
  assert.equal(due.at(-1).checkout_id, renewed?.checkout?.checkout_id);
});

Deno.test("api.renewal_step — paying the renewal extends from paid_through, not from now", async () => {
  const a = await seedShop(db.sql, { email: "owner@example.com" });
  const paidThrough = new Date("2031-04-01T00:00:00Z");
  const user = await payingUser(a, "pays-renewal@example.com", paidThrough);
  const renewed = await step(a, at(paidThrough, -3));
  const checkoutId = renewed!.checkout!.checkout_id;
  await as(a.project.id, async (tx) => {
    await recordPayment(tx, a.project.id, checkoutId, {
      kind: "payment_request",
      provider_id: `pr-${checkoutId}`,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    });
    await recordPaymentEvent(tx, a.project.id, {
      providerId: `pr-${checkoutId}`,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount: 99_000 } },
    });
  });
  while (await as(a.project.id, (tx) => applyPaymentEvent(tx, a.project.id)));
  const state = await as(a.project.id, (tx) => currentSubscription(tx, a.project.id, user));
  assert.equal(state.subscription?.status, "active");
  assert.equal(new Date(state.subscription!.paid_through!).toISOString(), "2031-05-01T00:00:00.000Z");
  assert.equal(await step(a, at(paidThrough, 1)), null, "nothing due: the next period is paid");
});

Deno.test("api.renewal_step — past_due at paid_through, expired to the default plan after the grace", async () => {
  const b = await seedShop(db.sql, { email: "owner@example.com" });
  const paidThrough = new Date("2031-06-01T00:00:00Z");
  const user = await payingUser(b, "lapses@example.com", paidThrough);
  assert.equal((await step(b, at(paidThrough, -1)))?.action, "renew");
  const pastDue = await step(b, at(paidThrough, 0.5));
  assert.equal(pastDue?.action, "past_due");
  assert.equal(pastDue?.subscription?.status, "past_due");
  let state = await as(b.project.id, (tx) => currentSubscription(tx, b.project.id, user));
  assert.equal(state.plan, "pro", "past_due still grants the plan (grace)");
  assert.equal(await step(b, at(paidThrough, 2.9)), null, "within the three days of grace");
  const expired = await step(b, at(paidThrough, 3.1));
  assert.equal(expired?.action, "expire");
  state = await as(b.project.id, (tx) => currentSubscription(tx, b.project.id, user));
  assert.equal(state.plan, "free");
  assert.equal(state.subscription?.source, "default");
  assert.equal(state.history[0].plan, "pro");
  assert.equal(state.history[0].status, "expired");
  const updates = await eventsOf(b.project.id, "subscription.updated");
  assert.deepEqual(updates.slice(-2).map((d) => [d.subscription.status, d.previous_plan]), [
    ["past_due", "pro"],
    ["active", "pro"],
  ]);
  const renewalStatus = await as(
    b.project.id,
    async (tx) =>
      rows(await tx`select status from astapa.checkouts where user_id = ${user}`).map((r) => r.status),
  );
  assert.deepEqual(renewalStatus, ["expired"], "the unpaid renewal checkout is expired with it");
  assert.equal(await step(b, at(paidThrough, 40)), null);
});

Deno.test("api.renewal_step — grace is a project setting; no account means no renewal checkout", async () => {
  const shop = await seedShop(db.sql, { email: "grace@example.com" });
  await db
    .sql`update astapa.projects set settings = '{"billing_grace_days": 0}' where id = ${shop.project.id}`;
  const paidThrough = new Date("2031-07-01T00:00:00Z");
  await payingUser(shop, "nograce@example.com", paidThrough);
  assert.equal(await step(shop, at(paidThrough, -1), null), null, "payments not configured: nothing opened");
  assert.equal((await step(shop, at(paidThrough, 0.01), null))?.action, "expire");
});

Deno.test("api.renewal_step — errors: no now, unknown account, unknown project", async () => {
  const p = a.project.id;
  await rejectsAs(as(p, (tx) => tx`select api.renewal_step(${p}, null, 'simulator')`), "validation_failed");
  await rejectsAs(
    as(p, (tx) => tx`select api.renewal_step(${p}, now(), 'paypal')`),
    "validation_failed",
    /xendit_account/,
  );
  await rejectsAs(as(p, (tx) => tx`select api.renewal_step('proj_nope', now(), null)`), "not_found");
  // Another project's id while acting as this one: RLS hides it, so it is unknown too.
  await rejectsAs(as(p, (tx) => tx`select api.renewal_step(${b.project.id}, now(), null)`), "not_found");
});

Deno.test("api.cancel_subscription — keeps the plan to period end, opens no renewal, then ends", async () => {
  const a = await seedShop(db.sql, { email: "owner@example.com" });
  const paidThrough = new Date("2031-08-01T00:00:00Z");
  const user = await payingUser(a, "cancels@example.com", paidThrough);
  const canceled = await as(a.project.id, (tx) => cancelSubscription(tx, a.project.id, user));
  assert.equal(canceled.status, "canceled");
  assert.equal(new Date(canceled.current_period_end!).getTime(), paidThrough.getTime());
  const again = await as(a.project.id, (tx) => cancelSubscription(tx, a.project.id, user));
  assert.equal(again.status, "canceled", "cancelling twice changes nothing");
  const state = await as(a.project.id, (tx) => currentSubscription(tx, a.project.id, user));
  assert.equal(state.plan, "pro", "paid until 2031: still granted");
  assert.equal(await step(a, at(paidThrough, -2)), null, "no renewal for a canceled subscription");
  const ended = await step(a, at(paidThrough, 0.1));
  assert.equal(ended?.action, "end");
  const after = await as(a.project.id, (tx) => currentSubscription(tx, a.project.id, user));
  assert.equal(after.plan, "free");
  assert.equal(after.history[0].status, "canceled");
});

Deno.test("api.cancel_subscription / api.resume_subscription — resume before the end; errors", async () => {
  const a = await seedShop(db.sql, { email: "owner@example.com" });
  const paidThrough = new Date("2031-09-01T00:00:00Z");
  const user = await payingUser(a, "resumes@example.com", paidThrough);
  const p = a.project.id;
  await as(p, (tx) => cancelSubscription(tx, p, user));
  const resumed = await as(p, (tx) => resumeSubscription(tx, p, user, at(paidThrough, -10)));
  assert.equal(resumed.status, "active");
  await rejectsAs(as(p, (tx) => resumeSubscription(tx, p, user)), "conflict", /no canceled subscription/);
  await rejectsAs(as(p, (tx) => cancelSubscription(tx, p, "424242")), "not_found");
  await rejectsAs(as(p, (tx) => resumeSubscription(tx, p, "424242")), "not_found");
  const freeUser = await seedUser(db.sql, p, "free-user@example.com");
  await rejectsAs(as(p, (tx) => cancelSubscription(tx, p, freeUser)), "conflict", /no paid subscription/);
  await as(p, (tx) => cancelSubscription(tx, p, user));
  await rejectsAs(
    as(p, (tx) => resumeSubscription(tx, p, user, at(paidThrough, 1))),
    "conflict",
    /still running/,
  );
  // Another project's user is unknown here.
  await rejectsAs(as(p, (tx) => cancelSubscription(tx, p, b.userId)), "not_found");
});

Deno.test("api.queue_mail / api.list_mail — queued in the caller's transaction; bad mail is refused", async () => {
  const mail = { to: "ayu@example.com", template: "renewal_due", subject: "Pay", text: "Link" };
  const id = await as(a.project.id, (tx) => queueMail(tx, a.project.id, mail));
  assert.ok(id > 0);
  const listed = await as(a.project.id, (tx) => listMail(tx, a.project.id, 500));
  assert.ok(listed.some((m) => m.id === id && m.subject === "Pay" && m.sent_at === null));
  for (
    const bad of [{ ...mail, to: "nobody" }, { ...mail, subject: "" }, { ...mail, text: "" }, {
      ...mail,
      template: "X!",
    }]
  ) {
    await rejectsAs(as(a.project.id, (tx) => queueMail(tx, a.project.id, bad)), "validation_failed");
  }
  await rejectsAs(
    as(a.project.id, (tx) => tx`select api.queue_mail(${a.project.id}, '[]'::jsonb)`),
    "validation_failed",
  );
});

Deno.test("astapa.mail_outbox — policies: the owner project, another project, no project", async () => {
  await as(
    a.project.id,
    (tx) => queueMail(tx, a.project.id, { to: "x@example.com", template: "t", subject: "s", text: "t" }),
  );
  const seen = (projectId: string | null) =>
    as(
      projectId,
      async (tx) => rows(await tx`select project_id from astapa.mail_outbox`).map((r) => r.project_id),
    );
  assert.ok((await seen(a.project.id)).every((p) => p === a.project.id));
  assert.ok((await seen(a.project.id)).length > 0);
  assert.ok(!(await seen(b.project.id)).includes(a.project.id));
  assert.deepEqual(await seen(null), []);
  // Writing another project's mail, or mail for no project, is refused by policy.
  await assert.rejects(
    as(
      b.project.id,
      (tx) =>
        tx`insert into astapa.mail_outbox (project_id, to_address, kind, subject, body_text)
       values (${a.project.id}, 'x@example.com', 't', 's', 't')`,
    ),
  );
  await assert.rejects(
    as(null, (tx) =>
      tx`insert into astapa.mail_outbox (project_id, to_address, kind, subject, body_text)
       values (${a.project.id}, 'x@example.com', 't', 's', 't')`),
  );
  const touched = await as(
    b.project.id,
    async (tx) =>
      (await tx`update astapa.mail_outbox set sent_at = now() where project_id = ${a.project.id}`).count,
  );
  assert.equal(touched, 0);
});

Deno.test("api.projects_with_billing_work — lists projects only, outside any project", async () => {
  const shop = await seedShop(db.sql, { email: "work@example.com" });
  const idle = await seedShop(db.sql, { email: "idle@example.com" });
  await payingUser(shop, "worker@example.com", new Date("2032-01-01T00:00:00Z"));
  const projects = await as(null, (tx) => projectsWithBillingWork(tx));
  assert.ok(projects.includes(shop.project.id));
  assert.ok(!projects.includes(idle.project.id));
  await rejectsAs(as(a.project.id, (tx) => projectsWithBillingWork(tx)), "forbidden");
  // Its owner-only policies give the app role nothing, even with the setting on.
  const visible = await as(null, async (tx) => {
    await tx`select set_config('astapa.list_billing_projects', 'on', true)`;
    return [
      ...rows(await tx`select project_id from astapa.subscriptions`),
      ...rows(await tx`select project_id from astapa.checkouts`),
    ];
  });
  assert.deepEqual(visible, []);
});

Deno.test("api.projects_with_billing_work — a project whose only work is a paid checkout's pending charge is listed", async () => {
  const shop = await seedShop(db.sql, { email: "pending-only-work@example.com" });
  const p = shop.project.id;
  const checkout = await pendingCharge(shop, "pr-work-paid");
  await as(p, (tx) =>
    recordPayment(tx, p, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: "pr-work-other",
      method: "bank_transfer",
      bank: "BNI",
      details: {},
      expires_at: null,
    }));
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-work-paid",
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 99_000, currency: "IDR" } },
    }));
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "paid");
  // Nothing else left: the plan it bought ended (a refund ending it, say), and no checkout is open.
  await db.sql`update astapa.subscriptions set ended_at = now() where project_id = ${p}`;
  const listed = () => as(null, async (tx) => (await projectsWithBillingWork(tx)).includes(p));
  assert.ok(await listed(), "the other charge may still be paid: asked about");
  await db.sql`update astapa.payments set reconcile_stopped_at = now() where provider_id = 'pr-work-other'`;
  assert.ok(!await listed(), "stopped: not asked about");
  await db.sql`update astapa.payments set reconcile_stopped_at = null, status = 'expired'
    where provider_id = 'pr-work-other'`;
  assert.ok(!await listed(), "settled: no work left");
  // The policy gives the app role nothing, even with the setting on.
  const visible = await as(null, async (tx) => {
    await tx`select set_config('astapa.list_billing_projects', 'on', true)`;
    return rows(await tx`select project_id from astapa.payments`);
  });
  assert.deepEqual(visible, []);
});

async function pendingCharge(shop: typeof a, providerId: string, ttlSeconds = 86_400) {
  const checkout = await as(shop.project.id, (tx) =>
    createCheckout(tx, shop.project.id, {
      sub: shop.userId,
      plan: "pro",
      xendit_account: "simulator",
      ttl_seconds: ttlSeconds,
    }));
  await as(shop.project.id, (tx) =>
    recordPayment(tx, shop.project.id, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    }));
  return checkout;
}

Deno.test("api.claim_stale_payments — old pending charges once per period; errors", async () => {
  const shop = await seedShop(db.sql, { email: "stale@example.com" });
  const p = shop.project.id;
  const checkout = await pendingCharge(shop, "pr-stale-1");
  const now = new Date();
  assert.deepEqual(await as(p, (tx) => claimStalePayments(tx, p, now, 600)), [], "too young");
  const later = at(now, 1 / 48); // 30 minutes on
  const claimed = await as(p, (tx) => claimStalePayments(tx, p, later, 600));
  assert.deepEqual(claimed.map((c) => [c.checkout_id, c.provider_id, c.kind, c.xendit_account]), [
    [checkout.checkout_id, "pr-stale-1", "payment_request", "simulator"],
  ]);
  assert.deepEqual(await as(p, (tx) => claimStalePayments(tx, p, later, 600)), [], "just checked");
  assert.equal((await as(p, (tx) => claimStalePayments(tx, p, at(later, 1), 600))).length, 1);
  assert.deepEqual(await as(b.project.id, (tx) => claimStalePayments(tx, p, at(later, 2), 600)), []);
  await rejectsAs(as(p, (tx) => tx`select api.claim_stale_payments(${p}, null, 600)`), "validation_failed");
  await rejectsAs(as(p, (tx) => claimStalePayments(tx, p, later, -1)), "validation_failed");
  // A checkout ended early (as astapa.end_organization_plan or a renewal link's expiry leaves it) keeps its
  // charge pending at Xendit: still asked about, since paid wins. So is a paid checkout's (below).
  const early = await pendingCharge(shop, "pr-stale-early");
  await db.sql`update astapa.checkouts set status = 'expired' where public_id = ${early.checkout_id}`;
  const afterEarly = (await as(p, (tx) => claimStalePayments(tx, p, at(later, 3), 600)))
    .map((c) => c.provider_id);
  assert.deepEqual(afterEarly.toSorted(), ["pr-stale-1", "pr-stale-early"]);
});

Deno.test("api.claim_stale_payments — a paid checkout's other pending charges too (back-off, stop); never a paid_again or expired one", async () => {
  const shop = await seedShop(db.sql, { email: "stale-paid@example.com" });
  const p = shop.project.id;
  // A QRIS code, then a virtual account, an OVO push and a GoPay invoice for the same checkout.
  const checkout = await pendingCharge(shop, "pr-paid-first");
  const charge = (provider_id: string, method: "bank_transfer" | "ovo") =>
    as(p, (tx) =>
      recordPayment(tx, p, checkout.checkout_id, {
        kind: "payment_request",
        provider_id,
        method,
        bank: method === "bank_transfer" ? "BNI" : undefined,
        details: {},
        expires_at: null,
      }));
  await charge("pr-paid-again", "bank_transfer");
  await charge("pr-paid-expired", "ovo");
  await as(p, (tx) =>
    recordPayment(tx, p, checkout.checkout_id, {
      kind: "invoice",
      provider_id: "inv-paid-pending",
      method: "gopay",
      details: {},
      expires_at: null,
    }));
  const settle = async (providerId: string, status: string) => {
    await as(p, (tx) =>
      recordPaymentEvent(tx, p, {
        providerId,
        status,
        checkoutId: checkout.checkout_id,
        body: { data: { amount: 99_000, currency: "IDR", status } },
      }));
    return (await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome;
  };
  assert.equal(await settle("pr-paid-first", "SUCCEEDED"), "paid");
  assert.equal(await settle("pr-paid-again", "SUCCEEDED"), "paid_again");
  assert.equal(await settle("pr-paid-expired", "EXPIRED"), "expired");

  // Only the charge still pending is asked about: a second payment whose callback was lost is found this way.
  const now = new Date(Date.now() + 3_600_000);
  const claim = (when: Date) =>
    as(p, async (tx) => (await claimStalePayments(tx, p, when, 900)).map((c) => [c.provider_id, c.kind]));
  assert.deepEqual(await claim(now), [["inv-paid-pending", "invoice"]]);
  assert.deepEqual(await claim(now), [], "once per period");
  // The same back-off as an unpaid checkout's: an error that counts doubles the wait…
  const error = (when: Date) =>
    as(p, (tx) => recordPaymentReconcileError(tx, p, "inv-paid-pending", when, OURS));
  await error(now);
  assert.deepEqual(await claim(new Date(now.getTime() + 901_000)), [], "not before 30 minutes");
  assert.deepEqual(await claim(new Date(now.getTime() + 1_801_000)), [["inv-paid-pending", "invoice"]]);
  // … and the third stops it.
  await error(new Date(now.getTime() + 1_801_000));
  const stopped = await error(new Date(now.getTime() + 1_802_000));
  assert.ok(stopped?.reconcile_stopped_at);
  assert.deepEqual(await claim(at(now, 1)), [], "stopped");
  // The paid payment shows it (its pending charge only), and a resume has it asked about again.
  const { getPayment } = await import("@/db/dashboard_payments.ts");
  const { resumePaymentReconciliation } = await import("@/db/billing.ts");
  const shown = await as(p, (tx) => getPayment(tx, p, checkout.checkout_id));
  assert.deepEqual([shown.status, shown.reconcile_errors, shown.reconcile_stopped_at], [
    "paid",
    3,
    stopped?.reconcile_stopped_at,
  ]);
  await as(p, (tx) => resumePaymentReconciliation(tx, p, checkout.checkout_id));
  assert.deepEqual(await claim(at(now, 1)), [["inv-paid-pending", "invoice"]], "resumed");
});

Deno.test("api.record_payment_reconcile_error — keeps the last error (code, capped message, when); only those that count stop it; the stop and a resume keep it", async () => {
  const { listPayments } = await import("@/db/dashboard_payments.ts");
  const { resumePaymentReconciliation } = await import("@/db/billing.ts");
  const shop = await seedShop(db.sql, { email: "charge-reconcile-cause@example.com" });
  const p = shop.project.id;
  const checkout = await pendingCharge(shop, "pr-reconcile-cause", 30 * 86_400);
  const start = new Date(Date.now() + 3_600_000);
  const after = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  const record = (when: Date, code: string, message: string) =>
    as(p, (tx) =>
      recordPaymentReconcileError(tx, p, "pr-reconcile-cause", when, {
        code: code as typeof OURS.code,
        message,
      }));
  const row = async () =>
    (await as(p, (tx) => listPayments(tx, p, {}))).find((r) => r.checkout_id === checkout.checkout_id)!;
  const last = async () => {
    const { reconcile_errors, reconcile_stopped_at, reconcile_resumed_at, reconcile_last_error } =
      await row();
    const error = reconcile_last_error &&
      { ...reconcile_last_error, at: new Date(reconcile_last_error.at).getTime() };
    return { reconcile_errors, reconcile_stopped_at, reconcile_resumed_at, error };
  };
  assert.deepEqual(await last(), {
    reconcile_errors: 0,
    reconcile_stopped_at: null,
    reconcile_resumed_at: null,
    error: null,
  });

  // Xendit's server error, silence or a refused key is kept as the last error but never counted.
  for (
    const [i, code] of ["provider_5xx", "provider_timeout", "credentials_refused", "rate_limited"].entries()
  ) {
    await record(after(i), code, `  ${code} happened  `);
    assert.deepEqual(await last(), {
      reconcile_errors: 0,
      reconcile_stopped_at: null,
      reconcile_resumed_at: null,
      error: { code, message: `${code} happened`, at: after(i).getTime() },
    }, `${code}: kept, trimmed, not counted`);
  }
  // A long message is cut to 300 characters.
  const counted = await record(
    after(10),
    "provider_refused",
    "Xendit refused the question (404 ".padEnd(500, "x"),
  );
  assert.deepEqual([counted?.reconcile_errors, counted?.reconcile_last_error.message.length], [1, 300]);
  await record(after(20), "unexpected_answer", "Xendit's answer could not be read.");
  const stop = await record(after(30), "internal_error", "An error on Astapa's side (TypeError).");
  assert.equal(new Date(stop!.reconcile_stopped_at!).getTime(), after(30).getTime());
  assert.deepEqual((await last()).error, {
    code: "internal_error",
    message: "An error on Astapa's side (TypeError).",
    at: after(30).getTime(),
  }, "the stop carries its cause");
  assert.equal(await record(after(40), "provider_5xx", "late"), null, "stopped: nothing more is recorded");
  assert.equal((await last()).error?.code, "internal_error");

  // A resume starts the count over and says when; the cause stays, for the record.
  const resumed = await as(p, (tx) => resumePaymentReconciliation(tx, p, checkout.checkout_id));
  assert.deepEqual([resumed.reconcile_errors, resumed.reconcile_stopped_at], [0, null]);
  assert.ok(resumed.reconcile_resumed_at, "resumed_at is set");
  assert.equal(resumed.reconcile_last_error?.code, "internal_error");
  const [audit] = await as(
    p,
    (tx) =>
      tx`select details from astapa.audit_log where action = 'payment.reconcile_resumed'
      and target = ${"checkout:" + checkout.checkout_id}`,
  );
  assert.equal(audit.details.charges[0].reconcile_error_code, "internal_error", "the audit names the cause");
  // The next error replaces it.
  await record(after(50), "provider_unreachable", "Xendit could not be reached.");
  assert.deepEqual([(await last()).reconcile_errors, (await last()).error?.code], [
    0,
    "provider_unreachable",
  ]);

  // An unknown code, a blank message or no code are refused, and nothing changes.
  await rejectsAs(record(after(60), "key_leaked", "x"), "validation_failed");
  await rejectsAs(record(after(60), "internal_error", "   "), "validation_failed");
  await rejectsAs(
    as(
      p,
      (tx) => tx`select api.record_payment_reconcile_error(${p}, 'pr-reconcile-cause', now(), null, 'x')`,
    ),
    "validation_failed",
  );
  assert.equal((await last()).error?.code, "provider_unreachable");

  // Settled, the payment shows no reconciliation left: only pending charges count.
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-reconcile-cause",
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: checkout.amount } },
    }));
  while (await as(p, (tx) => applyPaymentEvent(tx, p)));
  assert.deepEqual([(await row()).status, (await row()).reconcile_last_error], ["paid", null]);
});

Deno.test("astapa.next_reconcile_error — counts only ours and Xendit's refusal, stops at the third, caps the message", async () => {
  const next = (errors: number, code: string | null, message: string | null, now: string | null) =>
    as(a.project.id, async (tx) => {
      const [r] = await tx`select * from astapa.next_reconcile_error(${errors}, ${code}, ${message},
        ${now}::timestamptz)`;
      return [
        r.reconcile_errors,
        r.reconcile_stopped_at?.toISOString() ?? null,
        r.reconcile_error_code,
        r.reconcile_error_message.length,
      ];
    });
  const now = "2031-01-01T00:00:00.000Z";
  assert.deepEqual(await next(0, "provider_refused", "x", now), [1, null, "provider_refused", 1]);
  assert.deepEqual(await next(2, "unexpected_answer", "y".repeat(400), now), [
    3,
    now,
    "unexpected_answer",
    300,
  ]);
  assert.deepEqual(await next(2, "provider_5xx", "z", now), [2, null, "provider_5xx", 1]);
  assert.deepEqual(await next(5, "credentials_refused", "k", now), [5, null, "credentials_refused", 1]);
  await rejectsAs(next(0, "internal_error", "x", null), "validation_failed");
  await rejectsAs(next(0, "internal_error", "", now), "validation_failed");
  const json = await as(
    a.project.id,
    (tx) =>
      tx`select astapa.reconcile_error_json('provider_5xx', 'm', ${now}::timestamptz) as e,
      astapa.reconcile_error_json(null, null, null) as none`,
  );
  assert.deepEqual([json[0].e.code, json[0].e.message, new Date(json[0].e.at).toISOString(), json[0].none], [
    "provider_5xx",
    "m",
    now,
    null,
  ]);
});

Deno.test("api.record_payment_reconcile_error — each error of ours doubles the wait; the third stops reconciliation, reported once", async () => {
  const { listPayments } = await import("@/db/dashboard_payments.ts");
  const shop = await seedShop(db.sql, { email: "charge-reconcile-errors@example.com" });
  const p = shop.project.id;
  const checkout = await pendingCharge(shop, "pr-reconcile-errors", 30 * 86_400);
  const start = new Date(Date.now() + 3_600_000);
  const after = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  const claimed = async (when: Date) =>
    (await as(p, (tx) => claimStalePayments(tx, p, when, 900))).map((
      c,
    ) => [c.provider_id, c.reconcile_errors]);
  const fail = (when: Date) =>
    as(p, (tx) => recordPaymentReconcileError(tx, p, "pr-reconcile-errors", when, OURS));
  const row = async () =>
    (await as(p, (tx) => listPayments(tx, p, {}))).find((r) => r.checkout_id === checkout.checkout_id)!;
  assert.deepEqual([(await row()).reconcile_errors, (await row()).reconcile_stopped_at], [0, null]);

  assert.deepEqual(await claimed(after(0)), [["pr-reconcile-errors", 0]]);
  const first = (await fail(after(0)))!;
  // The time as an instant: JSON drops a fraction's trailing zeros (.380 is written .38).
  assert.equal(new Date(first.reconcile_last_error.at).getTime(), after(0).getTime());
  assert.deepEqual({ ...first, reconcile_last_error: { ...first.reconcile_last_error, at: "" } }, {
    checkout_id: checkout.checkout_id,
    provider_id: "pr-reconcile-errors",
    reconcile_errors: 1,
    reconcile_stopped_at: null,
    reconcile_last_error: { ...OURS, at: "" },
  });
  assert.deepEqual(await claimed(after(901)), [], "one error: twice the period (30 minutes)");
  assert.deepEqual(await claimed(after(1_801)), [["pr-reconcile-errors", 1]]);
  assert.equal((await fail(after(1_801)))?.reconcile_errors, 2);
  assert.deepEqual(await claimed(after(1_801 + 1_801)), [], "two errors: four times the period (an hour)");
  assert.deepEqual(await claimed(after(1_801 + 3_601)), [["pr-reconcile-errors", 2]]);
  const third = await fail(after(1_801 + 3_601));
  assert.equal(third?.reconcile_errors, 3);
  assert.equal(new Date(third!.reconcile_stopped_at!).getTime(), after(1_801 + 3_601).getTime());
  assert.equal(await fail(after(9_000)), null, "stopped already: counted and reported once");
  assert.deepEqual(await claimed(after(86_400 * 7)), [], "stopped: never claimed again");
  const listed = await row();
  assert.deepEqual(
    [listed.status, listed.reconcile_errors, new Date(listed.reconcile_stopped_at!).getTime()],
    ["pending", 3, after(1_801 + 3_601).getTime()],
    "the API and the dashboard show it",
  );

  // Its callback still settles it; a settled charge has nothing to count.
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-reconcile-errors",
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: checkout.amount } },
    }));
  while (await as(p, (tx) => applyPaymentEvent(tx, p)));
  assert.deepEqual([(await row()).status, (await row()).reconcile_stopped_at], ["paid", null]);
  assert.equal(await fail(after(9_000)), null, "paid meanwhile: nothing to count");

  // Bad input, an unknown charge and another project's charge are refused.
  await rejectsAs(
    as(
      p,
      (tx) =>
        tx`select api.record_payment_reconcile_error(${p}, 'pr-reconcile-errors', null, 'internal_error', 'x')`,
    ),
    "validation_failed",
  );
  await rejectsAs(
    as(p, (tx) => recordPaymentReconcileError(tx, p, "pr-unknown", after(0), OURS)),
    "not_found",
  );
  await rejectsAs(
    as(b.project.id, (tx) => recordPaymentReconcileError(tx, p, "pr-reconcile-errors", after(0), OURS)),
    "not_found",
  );
  await rejectsAs(
    as(
      b.project.id,
      (tx) => recordPaymentReconcileError(tx, b.project.id, "pr-reconcile-errors", after(0), OURS),
    ),
    "not_found",
  );
});

Deno.test("api.expire_checkouts — unpaid checkouts past expires_at; their charges left pending, still reconciled; errors", async () => {
  const shop = await seedShop(db.sql, { email: "expiry@example.com" });
  const p = shop.project.id;
  const checkout = await pendingCharge(shop, "pr-expire-1", 3600);
  assert.equal(await as(p, (tx) => expireCheckouts(tx, p, new Date())), 0);
  assert.equal(await as(b.project.id, (tx) => expireCheckouts(tx, p, at(new Date(), 1))), 0, "RLS");
  assert.equal(await as(p, (tx) => expireCheckouts(tx, p, at(new Date(), 1))), 1);
  const [state] = await as(
    p,
    async (tx) =>
      rows(
        await tx`select c.status as checkout, y.status as payment from astapa.checkouts c
                  join astapa.payments y on y.checkout_id = c.id where c.public_id = ${checkout.checkout_id}`,
      ),
  );
  // Xendit may have taken its money in the checkout's last minutes: it is asked about still.
  assert.deepEqual(state, { checkout: "expired", payment: "pending" });
  assert.deepEqual(
    (await as(p, (tx) => claimStalePayments(tx, p, at(new Date(), 1), 900))).map((c) => c.provider_id),
    ["pr-expire-1"],
  );
  await rejectsAs(as(p, (tx) => tx`select api.expire_checkouts(${p}, null)`), "validation_failed");
});

Deno.test("api.get_payment — one payment as the list shows it; unknown or another project's is not found", async () => {
  const { getPayment, listPayments } = await import("@/db/dashboard_payments.ts");
  const shop = await seedShop(db.sql, { email: "get-payment@example.com" });
  const p = shop.project.id;
  const checkout = await pendingCharge(shop, "pr-get-payment", 30 * 86_400);
  const listed = (await as(p, (tx) => listPayments(tx, p, {}))).find((r) =>
    r.checkout_id === checkout.checkout_id
  );
  assert.deepEqual(await as(p, (tx) => getPayment(tx, p, checkout.checkout_id)), listed);
  await rejectsAs(as(p, (tx) => getPayment(tx, p, "chk_unknown")), "not_found");
  await rejectsAs(as(b.project.id, (tx) => getPayment(tx, b.project.id, checkout.checkout_id)), "not_found");
  await rejectsAs(as(b.project.id, (tx) => getPayment(tx, p, checkout.checkout_id)), "not_found");
});
