/**
 * The billing scheduler renewing organizations' team plans with a controllable clock (issue 28): the pay-link
 * mail to every owner and admin before plan_paid_through, paid in the offline sandbox it extends from
 * plan_paid_through; unpaid, the organization keeps its plan through the grace days and then falls back.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { getOrganization } from "@/db/organizations.ts";
import { createPlan } from "@/db/plans.ts";
import { createOrganizationCheckout } from "@/db/team_plans.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { chargeCheckout } from "@/lib/payments/checkout.ts";
import { seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp();

const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);

/** Pays a checkout in the offline sandbox and waits for the organization's paid-through date to pass `after`. */
async function payAndWait(p: string, org: string, checkoutId: string, after: number): Promise<Date> {
  const charged = await chargeCheckout(t.deps, p, checkoutId, { method: "qris" });
  await t.deps.xenditSandbox.settle(charged.payment!.provider_id, "pay");
  return await waitFor(async () => {
    const o = await asApp(t.db.sql, p, async (tx) => (await getOrganization(tx, org))!);
    const through = o.plan_paid_through ? new Date(o.plan_paid_through) : null;
    return through !== null && through.getTime() > after && through;
  }, "the team plan payment to be applied");
}

Deno.test("billing — a team plan's renewal mail to owners and admins, paid in the sandbox, then grace and fallback", async () => {
  const shop = await seedShop(t.db.sql, { email: "owner@kopi.example" });
  const p = shop.project.id;
  const admin = await seedUser(t.db.sql, p, "admin@kopi.example");
  const member = await seedUser(t.db.sql, p, "member@kopi.example");
  const org = await asApp(t.db.sql, p, async (tx) => {
    await createPlan(tx, p, { key: "seat", name: "Seat", price_idr: 50_000 });
    await tx`select api.set_plan_seats(${p}, 'seat', 'per_seat')`;
    const [row] = await tx`select api.create_organization('Kopi', 'kopi', ${shop.userId}) as result`;
    const id = (row.result as { id: string }).id;
    await tx`select api.add_organization_member(${id}, ${admin}, 'admin')`;
    await tx`select api.add_organization_member(${id}, ${member}, 'member')`;
    return id;
  });
  const bought = await asApp(t.db.sql, p, (tx) =>
    createOrganizationCheckout(tx, p, org, {
      sub: shop.userId,
      plan: "seat",
      seats: 3,
      xendit_account: "simulator",
    }));
  const paidThrough = await payAndWait(p, org, bought.checkout_id, 0);

  let now = at(paidThrough, -3);
  const scheduler = new BillingScheduler(t.deps, { clock: () => now });
  const first = (await scheduler.pass()).organizationRenewals?.filter((s) => s.projectId === p) ?? [];
  assert.deepEqual(first.map((s) => s.action), ["remind"]);
  const checkoutId = first[0].checkout!.checkout_id;
  const mails = (await asApp(t.db.sql, p, (tx) => listMail(tx, p))).filter((m) =>
    m.template === "renewal_due"
  );
  assert.deepEqual(mails.map((m) => m.to).sort(), ["admin@kopi.example", "owner@kopi.example"]);
  for (const mail of mails) {
    assert.ok(mail.text.includes(`${t.origin}/billing/checkout/${checkoutId}`));
    assert.ok(
      mail.text.includes("IDR 150.000") && mail.text.includes("Kopi") && mail.text.includes("3 seats"),
    );
  }
  assert.equal((await scheduler.pass()).organizationRenewals?.filter((s) => s.projectId === p).length, 0);

  // The admin pays the mailed link: the next period starts at the old paid-through date.
  const renewed = await payAndWait(p, org, checkoutId, paidThrough.getTime());
  assert.ok(renewed.getTime() >= at(paidThrough, 28).getTime());

  // Nobody pays the period after: reminded, kept in grace, then the organization falls back.
  now = at(renewed, -3);
  await scheduler.pass();
  now = at(renewed, 2);
  assert.equal((await scheduler.pass()).organizationRenewals?.filter((s) => s.projectId === p).length, 0);
  assert.equal(
    (await asApp(t.db.sql, p, async (tx) => (await getOrganization(tx, org))!)).plan,
    "seat",
    "grace keeps it",
  );
  now = new Date(at(renewed, 3).getTime() + 1000); // a second past the grace (paid_through has microseconds)
  const ended = (await scheduler.pass()).organizationRenewals?.filter((s) => s.projectId === p) ?? [];
  assert.deepEqual(ended.map((s) => s.action), ["expire"]);
  const fallen = await asApp(t.db.sql, p, async (tx) => (await getOrganization(tx, org))!);
  assert.deepEqual([fallen.plan, fallen.seat_limit, fallen.plan_paid_through], [null, null, null]);
});
