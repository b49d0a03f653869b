/**
 * SQL tests for linked-method charges beyond a person's renewal (db/api/renewal_charges.sql, billing.sql,
 * team_plans.sql): a trial's first paid period and an organization's team plan are charged through the same
 * attempts table (one per checkout, never twice) and fall back to their own pay link. Rows and the ledger
 * (payments − refunds = receipts) asserted; `now` is the test's.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import {
  applyMethodCallback,
  cancelMethodUnlink,
  recordMethodLinkAnswer,
  requestMethodUnlink,
  startMethodLink,
  unlinkMethod,
} from "@/db/linked_methods.ts";
import { organizationRenewalStep, setOrganizationBillingMethod } from "@/db/organization_renewals.ts";
import { cancelOrganizationPlanChange, changeOrganizationPlan } from "@/db/organization_plan_changes.ts";
import {
  clearOrganizationBillingMethod,
  organizationRenewalBilling,
} from "@/db/organization_renewal_billing.ts";
import { billingAccount } from "@/db/billing_portal.ts";
import { userBilling } from "@/db/user_billing.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { applyPaymentEvent, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { currentSubscription, updatePlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { nextRenewalCharge, recordRenewalCharge } from "@/db/renewal_charges.ts";
import { startTrial } from "@/db/trials.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);

/** Links an active DANA for `userId` through the simulator (with linking switched on for the project). */
async function linkDana(p: string, userId: string, providerId: string) {
  await as(p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    const method = await startMethodLink(tx, p, userId, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: providerId });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: providerId,
    });
  });
}

/** A shop whose pro plan has a 14-day trial, a user trialing it since `started`, with DANA linked. */
async function trialing(email: string, started: Date) {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  await as(p, (tx) => updatePlan(tx, p, "pro", { trial_days: 14 }));
  await as(p, (tx) => startTrial(tx, p, shop.userId, "pro", started));
  await linkDana(p, shop.userId, `pm-${crypto.randomUUID()}`);
  return { shop, p, trialEnd: at(started, 14) };
}

async function ledger(p: string) {
  const [row] = await as(p, async (tx) =>
    rows(
      await tx`select (select coalesce(sum(amount), 0)::int from astapa.payments where status = 'paid') as paid,
                      (select coalesce(sum(amount), 0)::int from astapa.refunds
                       where status = 'refunded') as refunded,
                      (select coalesce(sum(amount), 0)::int from astapa.receipts) as receipted,
                      (select count(*)::int from astapa.receipts) as receipts`,
    ));
  return row;
}

const step = (shop: Shop, now: Date) =>
  as(shop.project.id, (tx) => renewalStep(tx, shop.project.id, now, "simulator"));

Deno.test("api.renewal_step — a trial's first paid period is charged to the linked method (reminder mail held), paid from the trial's end", async () => {
  const started = new Date("2036-01-01T00:00:00Z");
  const t = await trialing("trial-linked@example.com", started);
  const now = at(t.trialEnd, -3);
  const reminder = await step(t.shop, now);
  assert.equal(reminder?.action, "trial_reminder");
  assert.equal(reminder?.linked_charge?.purpose, "trial");
  assert.equal(
    reminder?.checkout?.period_start && new Date(reminder.checkout.period_start).getTime(),
    t.trialEnd.getTime(),
  );
  assert.equal(await step(t.shop, at(now, 1)), null, "one checkout, one charge");
  const [event] = await as(
    t.p,
    async (tx) => rows(await tx`select data from astapa.events where type = 'subscription.trial_will_end'`),
  );
  assert.equal((event.data as { auto_charge: boolean }).auto_charge, true);

  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  assert.equal(work?.action, "charge");
  if (work?.action !== "charge") return;
  assert.equal(work.amount, 99_000);
  const answer = { provider_id: "pr-trial-linked", amount: 99_000, status: "PENDING" };
  assert.equal(
    (await as(t.p, (tx) => recordRenewalCharge(tx, t.p, work.charge_id, answer, now))).action,
    "pending",
  );
  await as(t.p, (tx) =>
    recordPaymentEvent(tx, t.p, {
      providerId: "pr-trial-linked",
      status: "SUCCEEDED",
      checkoutId: reminder!.checkout!.checkout_id,
      body: { event: "payment.succeeded", data: { amount: 99_000, currency: "IDR", status: "SUCCEEDED" } },
    }));
  assert.equal((await as(t.p, (tx) => applyPaymentEvent(tx, t.p)))?.outcome, "paid");
  const sub = (await as(t.p, (tx) => currentSubscription(tx, t.p, t.shop.userId))).subscription!;
  const expected = new Date(t.trialEnd);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.deepEqual([sub.plan, sub.status, new Date(sub.paid_through!).getTime()], [
    "pro",
    "active",
    expected.getTime(),
  ], "no trial day lost");
  assert.deepEqual(await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600)), {
    action: "paid",
    charge_id: work.charge_id,
  });
  assert.equal(await step(t.shop, at(t.trialEnd, 1)), null, "nothing left for trial_end");
  assert.deepEqual(await ledger(t.p), { paid: 99_000, refunded: 0, receipted: 99_000, receipts: 1 });
});

Deno.test("renewal charges — a trial's failed charge falls back to the trial's pay link (purpose trial), once; unpaid, the trial ends", async () => {
  const started = new Date("2036-02-01T00:00:00Z");
  const t = await trialing("trial-declined@example.com", started);
  const now = at(t.trialEnd, -3);
  const reminder = await step(t.shop, now);
  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  assert.equal(work?.action, "charge");
  const refused = await as(
    t.p,
    (tx) => recordRenewalCharge(tx, t.p, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  assert.equal(refused.action, "mail");
  assert.deepEqual(
    refused.action === "mail" &&
      [refused.purpose, refused.email, refused.checkout.checkout_id, refused.checkout.status],
    ["trial", "trial-declined@example.com", reminder!.checkout!.checkout_id, "open"],
  );
  assert.equal(await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600)), null, "mailed once");
  const ended = await step(t.shop, at(t.trialEnd, 0.01));
  assert.equal(ended?.action, "trial_end");
  const [checkout] = await as(
    t.p,
    async (tx) =>
      rows(
        await tx`select status from astapa.checkouts where public_id = ${reminder!.checkout!.checkout_id}`,
      ),
  );
  assert.equal(checkout.status, "expired");
  assert.deepEqual(await ledger(t.p), { paid: 0, refunded: 0, receipted: 0, receipts: 0 });
});

Deno.test("api.renewal_step — a trial without a linked method (or with linking off) keeps the pay-link reminder", async () => {
  const started = new Date("2036-03-01T00:00:00Z");
  const t = await trialing("trial-off@example.com", started);
  await as(t.p, (tx) => updateProjectSettings(tx, t.p, { linked_methods: { enabled: false } }));
  const reminder = await step(t.shop, at(t.trialEnd, -3));
  assert.deepEqual([reminder?.action, reminder?.linked_charge], ["trial_reminder", null]);
  assert.equal((await as(t.p, (tx) => tx`select 1 from astapa.renewal_charges`)).length, 0);
});

// Team plans: a per-seat plan (IDR 50,000 a seat); an organization with an owner, an admin and a member.
async function payingTeam(slug: string) {
  const project = await seedProject(db.sql, { name: slug, redirectUri: "https://team.example/callback" });
  const p = project.id;
  const owner = await seedUser(db.sql, p, `owner@${slug}.example`);
  const admin = await seedUser(db.sql, p, `admin@${slug}.example`);
  const member = await seedUser(db.sql, p, `member@${slug}.example`);
  const org = await as(p, async (tx) => {
    await tx`select api.create_plan(${p}, '{"key": "seat", "name": "Seat", "price_idr": 50000}')`;
    await tx`select api.set_plan_seats(${p}, 'seat', 'per_seat')`;
    const [{ org }] = await tx`select api.create_organization(${slug}, ${slug}, ${owner}) as org`;
    await tx`select api.add_organization_member(${org.id}, ${admin}, 'admin')`;
    await tx`select api.add_organization_member(${org.id}, ${member}, 'member')`;
    const [{ opened }] = await tx`select api.create_organization_checkout(${p}, ${org.id}, ${
      tx.json({ xendit_account: "simulator", sub: owner, plan: "seat", seats: 3 } as never)
    }) as opened`;
    return { id: org.id as string, checkoutId: opened.checkout_id as string };
  });
  await payCallback(p, org.checkoutId, `pr-${org.checkoutId}`, 150_000, true);
  await as(
    p,
    (tx) =>
      tx`update astapa.organizations set plan_paid_through = date_trunc('second', plan_paid_through)
         where id = ${org.id}`,
  );
  return { p, owner, admin, member, org: org.id, through: await paidThrough(p, org.id) };
}

const paidThrough = async (p: string, org: string) =>
  new Date(
    (await as(p, (tx) => tx`select plan_paid_through from astapa.organizations where id = ${org}`))[0]
      .plan_paid_through,
  );

/** Records a charge (unless `recorded` already), stores its SUCCEEDED callback, applies it: "paid". */
async function payCallback(
  p: string,
  checkoutId: string,
  providerId: string,
  amount: number,
  record = false,
) {
  await as(p, async (tx) => {
    if (record) {
      await recordPayment(tx, p, checkoutId, {
        kind: "payment_request",
        provider_id: providerId,
        method: "qris",
        details: {},
        expires_at: null,
      });
    }
    await recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, currency: "IDR", status: "SUCCEEDED" } },
    });
  });
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "paid");
}

/** Links an active DANA for `user` and answers its public id. */
async function linkedDana(p: string, user: string) {
  await linkDana(p, user, `pm-${crypto.randomUUID()}`);
  const [row] = await as(
    p,
    (tx) =>
      tx`select public_id from astapa.linked_methods where user_id = ${user}::bigint and status = 'active'
         order by id desc limit 1`,
  );
  return row.public_id as string;
}

/** Who pays checkout `checkoutId` (its user's id). */
async function payerOf(p: string, checkoutId: string) {
  const [opened] = await as(
    p,
    (tx) => tx`select user_id::text as payer from astapa.checkouts where public_id = ${checkoutId}`,
  );
  return opened.payer as string;
}

const orgStep = (p: string, now: Date) => as(p, (tx) => organizationRenewalStep(tx, p, now, "simulator"));

Deno.test("api.set_organization_billing_method — an owner or admin chooses one of their own active methods, or none", async () => {
  const t = await payingTeam("choose");
  const adminMethod = await linkedDana(t.p, t.admin);
  const memberMethod = await linkedDana(t.p, t.member);
  const set = (user: string, method: string | null, org = t.org) =>
    as(t.p, (tx) => setOrganizationBillingMethod(tx, t.p, user, org, method));
  assert.deepEqual(await set(t.admin, adminMethod), {
    organization: t.org,
    method_id: adminMethod,
    label: "DANA",
    payer: t.admin,
  });
  await rejectsAs(set(t.member, memberMethod), "not_found", /organization/);
  await rejectsAs(set(t.owner, adminMethod), "not_found", /linked method/);
  // Each refusal names its field (the org billing page tells them apart by it, not by the message).
  const fieldsOf = (promise: Promise<unknown>) =>
    promise.then(() => assert.fail("refused"), (error) => Object.keys(toAppError(error).fields ?? {}));
  assert.deepEqual(await fieldsOf(set(t.member, memberMethod)), ["organization"]);
  assert.deepEqual(await fieldsOf(set(t.owner, adminMethod)), ["method_id"]);
  await rejectsAs(set(t.admin, adminMethod, "org_unknown"), "not_found");
  await as(t.p, (tx) => unlinkMethod(tx, t.p, t.member, memberMethod));
  await as(
    t.p,
    (tx) => tx`update astapa.organization_memberships set role = 'admin' where user_id = ${t.member}`,
  );
  await rejectsAs(set(t.member, memberMethod), "conflict", /not active/);
  assert.deepEqual(await set(t.owner, null), {
    organization: t.org,
    method_id: null,
    label: null,
    payer: null,
  });
  const [audit] = await as(
    t.p,
    (tx) =>
      tx`select count(*)::int as n from astapa.audit_log where action = 'organization.billing_method_set'`,
  );
  assert.equal(audit.n, 2);
});

Deno.test("api.organization_billing — the chosen method (masked label, active, whose) and the user's own active methods", async () => {
  const t = await payingTeam("shown");
  const adminMethod = await linkedDana(t.p, t.admin);
  type Billing = {
    organizations: { id: string; billing_method: unknown }[];
    linked_methods: { method_id: string; label: string }[];
  };
  const billing = async (user: string) => {
    const [row] = await as(t.p, (tx) => tx`select api.organization_billing(${user}) as result`);
    return row.result as Billing;
  };
  const before = await billing(t.admin);
  assert.equal(before.organizations.find((o) => o.id === t.org)?.billing_method, null);
  assert.deepEqual(before.linked_methods, [{ method_id: adminMethod, label: "DANA" }]);
  assert.deepEqual((await billing(t.owner)).linked_methods, [], "another person's methods are not offered");
  await as(t.p, (tx) => setOrganizationBillingMethod(tx, t.p, t.admin, t.org, adminMethod));
  const chosen = { method_id: adminMethod, label: "DANA", active: true, unlinking: false };
  assert.deepEqual((await billing(t.admin)).organizations[0].billing_method, { ...chosen, mine: true });
  assert.deepEqual((await billing(t.owner)).organizations[0].billing_method, { ...chosen, mine: false });
  // An unlink under way (Xendit has not answered): said, and not offered as a choice meanwhile.
  await as(t.p, (tx) => requestMethodUnlink(tx, t.p, t.admin, adminMethod));
  const unlinking = await billing(t.admin);
  assert.deepEqual(unlinking.organizations[0].billing_method, { ...chosen, unlinking: true, mine: true });
  assert.deepEqual(unlinking.linked_methods, [], "a method being unlinked is not offered");
  await as(t.p, (tx) => unlinkMethod(tx, t.p, t.admin, adminMethod));
  const unlinked = await billing(t.admin);
  assert.deepEqual(unlinked.organizations[0].billing_method, { ...chosen, active: false, mine: true });
  assert.deepEqual(unlinked.linked_methods, [], "only active methods are offered");
});

Deno.test("api.organization_renewal_step — the organization's chosen method is charged (its owner pays, no mail), the plan renewed once", async () => {
  const t = await payingTeam("charged");
  const method = await linkedDana(t.p, t.admin);
  await as(t.p, (tx) => setOrganizationBillingMethod(tx, t.p, t.admin, t.org, method));
  const now = at(t.through, -3);
  const remind = await orgStep(t.p, now);
  assert.equal(remind?.action, "remind");
  assert.equal(remind?.linked_charge?.method_id, method);
  assert.equal(await orgStep(t.p, at(now, 1)), null, "once per period");
  const [opened] = await as(
    t.p,
    (tx) =>
      tx`select user_id::text as payer, amount::int from astapa.checkouts where public_id = ${
        remind!.checkout!.checkout_id
      }`,
  );
  assert.deepEqual({ ...opened }, { payer: t.admin, amount: 150_000 }, "the method's owner pays");
  const [charge] = await as(t.p, (tx) => tx`select purpose from astapa.renewal_charges`);
  assert.equal(charge.purpose, "organization");

  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  assert.equal(work?.action === "charge" && work.amount, 150_000);
  const answer = { provider_id: "pr-org-linked", amount: 150_000, status: "PENDING" };
  assert.equal(
    (await as(t.p, (tx) => recordRenewalCharge(tx, t.p, work!.charge_id, answer, now))).action,
    "pending",
  );
  await payCallback(t.p, remind!.checkout!.checkout_id, "pr-org-linked", 150_000);
  const expected = new Date(t.through);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.equal((await paidThrough(t.p, t.org)).getTime(), expected.getTime(), "one period from paid-through");
  assert.deepEqual(await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600)), {
    action: "paid",
    charge_id: work!.charge_id,
  });
  assert.deepEqual(await ledger(t.p), { paid: 300_000, refunded: 0, receipted: 300_000, receipts: 2 });
});

Deno.test("renewal charges — a team plan's failed charge mails every owner and admin the pay link, once", async () => {
  const t = await payingTeam("declined");
  await as(
    t.p,
    async (tx) => setOrganizationBillingMethod(tx, t.p, t.owner, t.org, await linkedDana(t.p, t.owner)),
  );
  const now = at(t.through, -3);
  const remind = await orgStep(t.p, now);
  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  const refused = await as(
    t.p,
    (tx) => recordRenewalCharge(tx, t.p, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  assert.equal(refused.action, "mail");
  if (refused.action !== "mail") return;
  assert.equal(refused.purpose, "organization");
  assert.deepEqual(refused.organization?.emails, ["owner@declined.example", "admin@declined.example"]);
  assert.equal(Date.parse(refused.organization!.period_start!), t.through.getTime());
  assert.deepEqual([refused.checkout.checkout_id, refused.checkout.status], [
    remind!.checkout!.checkout_id,
    "open",
  ]);
  assert.equal(await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600)), null, "mailed once");
  assert.deepEqual(await ledger(t.p), { paid: 150_000, refunded: 0, receipted: 150_000, receipts: 1 });
});

Deno.test("api.organization_renewal_step — after a claim cleared the chosen method: no charge, the owners' pay link", async () => {
  const t = await payingTeam("claimed");
  const method = await linkedDana(t.p, t.admin);
  await as(t.p, (tx) => setOrganizationBillingMethod(tx, t.p, t.admin, t.org, method));
  // The admin's address is proven by someone else: the account, and the method chosen from it, are not theirs.
  await as(t.p, (tx) => tx`select astapa.claim_unproven_account(${t.p}, ${t.admin}, 'email')`);
  const remind = await orgStep(t.p, at(t.through, -3));
  assert.deepEqual([remind?.action, remind?.linked_charge ?? null], ["remind", null]);
  assert.deepEqual(remind?.emails, ["owner@claimed.example"], "the claim removed the admin's membership");
  assert.equal(
    await payerOf(t.p, remind!.checkout!.checkout_id),
    t.owner,
    "the longest-standing owner pays by link",
  );
  assert.equal((await as(t.p, (tx) => tx`select 1 from astapa.renewal_charges`)).length, 0);
});

Deno.test("api.organization_renewal_step — no charge when the chooser is no longer owner or admin, or for a personal method never chosen", async () => {
  const demoted = await payingTeam("demoted");
  await as(
    demoted.p,
    async (tx) =>
      setOrganizationBillingMethod(
        tx,
        demoted.p,
        demoted.admin,
        demoted.org,
        await linkedDana(demoted.p, demoted.admin),
      ),
  );
  await as(
    demoted.p,
    (tx) => tx`select api.set_organization_member_role(${demoted.org}, ${demoted.admin}, 'member')`,
  );
  const remind = await orgStep(demoted.p, at(demoted.through, -3));
  assert.deepEqual([remind?.action, remind?.linked_charge ?? null], ["remind", null]);
  assert.equal(
    await payerOf(demoted.p, remind!.checkout!.checkout_id),
    demoted.owner,
    "the longest-standing owner pays by link",
  );

  const personal = await payingTeam("personal");
  await linkedDana(personal.p, personal.owner);
  const plain = await orgStep(personal.p, at(personal.through, -3));
  assert.deepEqual(
    [plain?.action, plain?.linked_charge ?? null],
    ["remind", null],
    "a personal method is not the team's",
  );
  assert.equal((await as(personal.p, (tx) => tx`select 1 from astapa.renewal_charges`)).length, 0);
});

Deno.test("api.organization_renewal_billing — the chosen method (whose, charged) and the team's charges; the payer's own billing lists them too", async () => {
  const t = await payingTeam("renewal-read");
  const none = await as(t.p, (tx) => organizationRenewalBilling(tx, t.p, t.org));
  assert.deepEqual([none.organization_id, none.plan, none.billing_method, none.renewal_charges], [
    t.org,
    "seat",
    null,
    [],
  ]);
  const method = await linkedDana(t.p, t.admin);
  await as(t.p, (tx) => setOrganizationBillingMethod(tx, t.p, t.admin, t.org, method));
  const now = at(t.through, -3);
  const remind = await orgStep(t.p, now);
  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  await as(
    t.p,
    (tx) => recordRenewalCharge(tx, t.p, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  // By slug as well as id.
  const seen = await as(t.p, (tx) => organizationRenewalBilling(tx, t.p, "renewal-read"));
  assert.deepEqual(
    [seen.billing_method?.method_id, seen.billing_method?.sub, seen.billing_method?.label],
    [method, t.admin, "DANA"],
  );
  assert.equal(seen.billing_method?.charged, true);
  // While an unlink of it is under way it is not charged, and says so; Xendit refusing the unlink undoes both.
  const marked = await as(t.p, (tx) => requestMethodUnlink(tx, t.p, t.admin, method));
  const unlinking = await as(t.p, (tx) => organizationRenewalBilling(tx, t.p, t.org));
  assert.deepEqual(
    [unlinking.billing_method?.charged, unlinking.billing_method?.unlink_requested_at],
    [false, marked.unlink_requested_at],
  );
  await as(t.p, (tx) => cancelMethodUnlink(tx, t.p, t.admin, method, marked.unlink_requested_at!));
  const kept = await as(t.p, (tx) => organizationRenewalBilling(tx, t.p, t.org));
  assert.deepEqual([kept.billing_method?.charged, kept.billing_method?.unlink_requested_at], [true, null]);
  assert.deepEqual(
    seen.renewal_charges.map((
      c,
    ) => [c.charge_id, c.purpose, c.checkout_id, c.amount, c.status, c.failure_code]),
    [[
      work!.charge_id,
      "organization",
      remind!.checkout!.checkout_id,
      150_000,
      "failed",
      "INSUFFICIENT_BALANCE",
    ]],
  );
  assert.equal(seen.renewal_charges[0].organization_id, t.org);
  assert.equal(seen.renewal_charges[0].method_label, "DANA");
  // The chooser pays: their portal and their dashboard page list the team's charge; the owner's do not.
  const payer = await as(t.p, (tx) => billingAccount(tx, t.p, t.admin));
  assert.deepEqual(payer.renewal_charges.map((c) => [c.charge_id, c.purpose]), [[
    work!.charge_id,
    "organization",
  ]]);
  assert.deepEqual(
    (await as(t.p, (tx) => userBilling(tx, t.p, t.admin))).renewal_charges.map((c) => c.charge_id),
    [work!.charge_id],
  );
  assert.deepEqual((await as(t.p, (tx) => billingAccount(tx, t.p, t.owner))).renewal_charges, []);
  // Demoted, the chooser's method is still named but no longer charged.
  await as(t.p, (tx) => tx`select api.set_organization_member_role(${t.org}, ${t.admin}, 'member')`);
  assert.equal(
    (await as(t.p, (tx) => organizationRenewalBilling(tx, t.p, t.org))).billing_method?.charged,
    false,
  );
  // Only this project's organizations.
  const stranger = await seedProject(db.sql, { name: "stranger" });
  await rejectsAs(as(t.p, (tx) => organizationRenewalBilling(tx, t.p, "org_unknown")), "not_found");
  await rejectsAs(
    as(stranger.id, (tx) => organizationRenewalBilling(tx, stranger.id, t.org)),
    "not_found",
  );
  await rejectsAs(as(stranger.id, (tx) => organizationRenewalBilling(tx, t.p, t.org)), "not_found");
});

Deno.test("api.clear_organization_billing_method — the project stops the chosen method (audited once), the next renewal mails the pay link", async () => {
  const t = await payingTeam("renewal-clear");
  const method = await linkedDana(t.p, t.owner);
  await as(t.p, (tx) => setOrganizationBillingMethod(tx, t.p, t.owner, t.org, method));
  assert.deepEqual(await as(t.p, (tx) => clearOrganizationBillingMethod(tx, t.p, t.org)), {
    organization: t.org,
    method_id: null,
    label: null,
    payer: null,
    cleared: method,
  });
  assert.equal((await as(t.p, (tx) => organizationRenewalBilling(tx, t.p, t.org))).billing_method, null);
  assert.equal(
    (await as(t.p, (tx) => clearOrganizationBillingMethod(tx, t.p, "renewal-clear"))).cleared,
    null,
    "again: nothing to clear",
  );
  const audit = await as(
    t.p,
    async (tx) =>
      rows(
        await tx`select details from astapa.audit_log where action = 'organization.billing_method_set'
                 order by id`,
      ),
  );
  assert.deepEqual(audit.map((a) => a.details.cleared ?? null), [null, method], "the choice, then the clear");
  const remind = await orgStep(t.p, at(t.through, -3));
  assert.deepEqual([remind?.action, remind?.linked_charge ?? null], ["remind", null]);
  const stranger = await seedProject(db.sql, { name: "stranger-clear" });
  await rejectsAs(as(t.p, (tx) => clearOrganizationBillingMethod(tx, t.p, "org_unknown")), "not_found");
  await rejectsAs(
    as(stranger.id, (tx) => clearOrganizationBillingMethod(tx, stranger.id, t.org)),
    "not_found",
  );
});

Deno.test("api.change_organization_plan — the old plan's pay link whose linked charge is being made is voided all the same (astapa.replace_organization_renewal_checkouts): the pass opens no new plan's link for the period while the charge is under way, and paid, the period is paid once", async () => {
  const t = await payingTeam("inflight");
  await as(
    t.p,
    async (tx) => setOrganizationBillingMethod(tx, t.p, t.owner, t.org, await linkedDana(t.p, t.owner)),
  );
  await as(t.p, async (tx) => {
    await tx`select api.create_plan(${t.p}, '{"key": "small", "name": "Small", "price_idr": 30000}')`;
    await tx`select api.set_plan_seats(${t.p}, 'small', 'per_seat')`;
  });
  const now = at(t.through, -3);
  const remind = await orgStep(t.p, now);
  const link = remind!.checkout!.checkout_id;
  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  assert.equal(work?.action, "charge");
  await as(t.p, (tx) => changeOrganizationPlan(tx, t.p, t.org, t.owner, "small"));
  const [left] = await as(t.p, (tx) => tx`select status from astapa.checkouts where public_id = ${link}`);
  assert.equal(
    left.status,
    "expired",
    "for a plan the next period no longer renews into (paid, it still renews)",
  );
  assert.equal(await orgStep(t.p, at(now, 0.5)), null, "no small link for the period meanwhile");
  const answer = { provider_id: "pr-org-inflight", amount: 150_000, status: "PENDING" };
  await as(t.p, (tx) => recordRenewalCharge(tx, t.p, work!.charge_id, answer, now));
  assert.equal(await orgStep(t.p, at(now, 1)), null, "pending at Xendit: still none");
  await payCallback(t.p, link, "pr-org-inflight", 150_000);
  const expected = new Date(t.through);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.equal((await paidThrough(t.p, t.org)).getTime(), expected.getTime(), "one period from paid-through");
  const [change] = await as(t.p, (tx) => tx`select status from astapa.plan_changes`);
  assert.equal(change.status, "canceled", "the paid renewal of seat settled the change to small");
  assert.equal(await orgStep(t.p, at(now, 1.5)), null, "the period is paid: nothing to renew");
  const [counts] = await as(
    t.p,
    (tx) =>
      tx`select (select count(*)::int from astapa.checkouts where organization_id = ${t.org}) as links,
                (select count(*)::int from astapa.renewal_charges) as charges`,
  );
  assert.deepEqual({ ...counts }, { links: 2, charges: 1 }, "the first purchase and the one renewal link");
  assert.deepEqual(await ledger(t.p), { paid: 300_000, refunded: 0, receipted: 300_000, receipts: 2 });
});

Deno.test("astapa.organization_period_charge_under_way — the old plan's linked charge fails after a plan change: its link is not mailed, and the next pass opens and charges the new plan's link (as a person's)", async () => {
  /** A team whose seat renewal is being charged (claimed) when the owner schedules small, 3 seats. */
  const inFlight = async (slug: string) => {
    const t = await payingTeam(slug);
    await as(
      t.p,
      async (tx) => setOrganizationBillingMethod(tx, t.p, t.owner, t.org, await linkedDana(t.p, t.owner)),
    );
    await as(t.p, async (tx) => {
      await tx`select api.create_plan(${t.p}, '{"key": "small", "name": "Small", "price_idr": 30000}')`;
      await tx`select api.set_plan_seats(${t.p}, 'small', 'per_seat')`;
    });
    const now = at(t.through, -3);
    const link = (await orgStep(t.p, now))!.checkout!.checkout_id;
    const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
    assert.equal(work?.action, "charge");
    return { ...t, now, link, work: work! };
  };
  const renewsSmall = async (t: Awaited<ReturnType<typeof inFlight>>) => {
    const renewed = await orgStep(t.p, at(t.now, 0.5));
    assert.deepEqual([renewed?.action, renewed?.checkout?.plan, renewed?.checkout?.amount], [
      "remind",
      "small",
      90_000,
    ]);
    assert.ok(renewed?.linked_charge, "the small link is charged to the chosen method");
    const small = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, at(t.now, 0.5), 600));
    assert.equal(small?.action === "charge" && small.amount, 90_000);
    assert.equal(await orgStep(t.p, at(t.now, 1)), null, "one link of the period");
  };

  // Declined at once: the seat link is not mailed, and the next run opens the small one.
  const declined = await inFlight("failed-after-change");
  await as(declined.p, (tx) => changeOrganizationPlan(tx, declined.p, declined.org, declined.owner, "small"));
  assert.equal(await orgStep(declined.p, declined.now), null, "claimed: no small link yet");
  const ended = await as(
    declined.p,
    (tx) =>
      recordRenewalCharge(
        tx,
        declined.p,
        declined.work.charge_id,
        { failure: "INSUFFICIENT_BALANCE" },
        declined.now,
      ),
  );
  assert.equal(ended.action, "none", "the old plan's link is not mailed");
  await renewsSmall(declined);

  // Pending at Xendit at the change, then failed: the same.
  const pending = await inFlight("pending-at-change");
  const answer = { provider_id: "pr-org-pending-at-change", amount: 150_000, status: "PENDING" };
  await as(
    pending.p,
    (tx) => recordRenewalCharge(tx, pending.p, pending.work.charge_id, answer, pending.now),
  );
  await as(pending.p, (tx) => changeOrganizationPlan(tx, pending.p, pending.org, pending.owner, "small"));
  assert.equal(await orgStep(pending.p, pending.now), null, "pending at Xendit: no small link yet");
  await as(pending.p, (tx) =>
    recordPaymentEvent(tx, pending.p, {
      providerId: "pr-org-pending-at-change",
      status: "FAILED",
      checkoutId: pending.link,
      body: { data: { amount: 150_000, currency: "IDR", status: "FAILED" } },
    }));
  assert.equal((await as(pending.p, (tx) => applyPaymentEvent(tx, pending.p)))?.outcome, "failed");
  const failed = await as(pending.p, (tx) => nextRenewalCharge(tx, pending.p, pending.now, 600));
  assert.equal(failed?.action, "none", "the old plan's link is not mailed");
  await renewsSmall(pending);
  assert.deepEqual(await ledger(pending.p), { paid: 150_000, refunded: 0, receipted: 150_000, receipts: 1 });
});

Deno.test("api.cancel_organization_plan_change — withdrawn while the old plan's expired link is being charged: no second link of the period until that charge ends; failed, the old plan's link again", async () => {
  const t = await payingTeam("withdrawn-inflight");
  await as(
    t.p,
    async (tx) => setOrganizationBillingMethod(tx, t.p, t.owner, t.org, await linkedDana(t.p, t.owner)),
  );
  await as(t.p, async (tx) => {
    await tx`select api.create_plan(${t.p}, '{"key": "small", "name": "Small", "price_idr": 30000}')`;
    await tx`select api.set_plan_seats(${t.p}, 'small', 'per_seat')`;
  });
  const now = at(t.through, -3);
  const first = (await orgStep(t.p, now))!.checkout!.checkout_id;
  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  await as(t.p, (tx) => changeOrganizationPlan(tx, t.p, t.org, t.owner, "small"));
  await as(t.p, (tx) => cancelOrganizationPlanChange(tx, t.p, t.org, t.owner));
  assert.equal(await orgStep(t.p, now), null, "the old link's charge holds the period");
  await as(
    t.p,
    (tx) => recordRenewalCharge(tx, t.p, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  const again = await orgStep(t.p, at(now, 0.5));
  assert.deepEqual([
    again?.action,
    again?.checkout?.plan,
    again?.checkout?.amount,
    Boolean(again?.linked_charge),
  ], [
    "remind",
    "seat",
    150_000,
    true,
  ]);
  assert.notEqual(again!.checkout!.checkout_id, first, "a new link: the old one was voided by the change");
});
