/**
 * SQL tests for an organization's team plan changed from the next period (db/api/team_plans.sql, migration
 * 4154): scheduling by owners and admins only (members, other organizations' admins and other projects
 * refused), the seats (fewer than members refused; nobody joins past them meanwhile), asking again, replacing,
 * withdrawing, the renewal pass renewing into it and paying it (new price, new seat limit from the new period),
 * a pay link of the old plan expiring, and what makes a change moot. Audit and organization.plan_change events.
 */
import assert from "node:assert/strict";
import { cancelOrganizationPlan, organizationRenewalStep } from "@/db/organization_renewals.ts";
import {
  cancelOrganizationPlanChange,
  changeOrganizationPlan,
  listOrganizationPlanChanges,
} from "@/db/organization_plan_changes.ts";
import { organizationBilling } from "@/db/team_plans.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { at, type Json, teamPlans } from "../helpers/team_plans.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const { a, b, as, call, organization, pay, paying } = await teamPlans(db);

// Beside the per-seat "seat" (50,000 a seat): small: 30,000 a seat; duo: 80,000 flat for 2; crew: 200,000 flat
// for 5; pro: personal.
await as(a.id, async (tx) => {
  await tx`select api.create_plan(${a.id}, '{"key": "small", "name": "Small", "price_idr": 30000}')`;
  await tx`select api.create_plan(${a.id}, '{"key": "duo", "name": "Duo", "price_idr": 80000}')`;
  await tx`select api.create_plan(${a.id}, '{"key": "crew", "name": "Crew", "price_idr": 200000}')`;
  await tx`select api.create_plan(${a.id}, '{"key": "pro", "name": "Pro", "price_idr": 99000}')`;
  await tx`select api.set_plan_seats(${a.id}, 'small', 'per_seat')`;
  await tx`select api.set_plan_seats(${a.id}, 'duo', 'flat', 2)`;
  await tx`select api.set_plan_seats(${a.id}, 'crew', 'flat', 5)`;
});

const change = (org: string, sub: string | null, plan: string, seats: number | null = null, project = a.id) =>
  as(project, (tx) => changeOrganizationPlan(tx, project, org, sub, plan, seats));
const withdraw = (org: string, sub: string | null) =>
  as(a.id, (tx) => cancelOrganizationPlanChange(tx, a.id, org, sub));
const step = (now: Date) => as(a.id, (tx) => organizationRenewalStep(tx, a.id, now, "simulator"));
/** Runs steps at `now` until nothing is left; answers the steps about `org`. */
async function pass(now: Date, org: string) {
  const taken = [];
  for (let s = await step(now); s; s = await step(now)) if (s.organization === org) taken.push(s);
  return taken;
}
const events = async (org: string) =>
  (await as(
    a.id,
    async (tx) =>
      rows(await tx`select data from astapa.events where type = 'organization.plan_change' order by id`),
  ))
    .map((r) => r.data as Json).filter((d) => (d.organization as Json).id === org)
    .map((d) => d.change as Json);
const audited = (org: string) =>
  call<string[]>((tx) =>
    tx`select coalesce(array_agg(action order by id), '{}') from astapa.audit_log
       where target = ${org} and action like 'organization.plan_change%'`
  );

Deno.test("api.change_organization_plan — an owner or admin schedules another team plan for the next period; audited, emitted, shown", async () => {
  const t = await paying("kopi");
  const scheduled = await change(t.id, t.admin, "crew");
  assert.deepEqual(
    [scheduled.organization_id, scheduled.sub, scheduled.from_plan, scheduled.to_plan, scheduled.kind],
    [t.id, null, "seat", "crew", "scheduled"],
  );
  assert.deepEqual([scheduled.status, scheduled.seats, scheduled.amount_idr], ["scheduled", 5, 0]);
  assert.equal(Date.parse(scheduled.effective_at!), t.through.getTime(), "from the end of the paid period");
  const o = await organization(t.id);
  assert.deepEqual([o.plan, o.seat_limit], ["seat", 3], "nothing changes before then");
  const open = o.open_change as Json;
  assert.deepEqual(
    [open.id, open.to_plan, open.seats, open.status, open.effective_at],
    [scheduled.id, "crew", 5, "scheduled", scheduled.effective_at],
    "the organization carries the scheduled change (astapa.organization_json)",
  );
  assert.deepEqual((await change(t.id, t.owner, "crew")).id, scheduled.id, "asking again answers it");
  assert.deepEqual(await audited(t.id), ["organization.plan_change"]);
  assert.deepEqual((await events(t.id)).map((c) => [c.to_plan, c.status]), [["crew", "scheduled"]]);
  const portal = await as(a.id, (tx) => organizationBilling(tx, t.admin));
  const shown = portal.organizations.find((x) => x.id === t.id)!.plan_change!;
  assert.deepEqual([shown.to_plan, shown.to_plan_name, shown.seats], ["crew", "Crew", 5]);
  // Another plan replaces it: the first is canceled, one open change per organization.
  const small = await change(t.id, t.owner, "small", 4);
  assert.deepEqual([small.to_plan, small.seats], ["small", 4]);
  const history = await as(a.id, (tx) => listOrganizationPlanChanges(tx, a.id, t.id));
  assert.deepEqual(history.map((c) => [c.to_plan, c.status]), [["small", "scheduled"], ["crew", "canceled"]]);
  // The same plan with other seats replaces it too; without seats a per-seat plan keeps the next period's.
  assert.equal((await change(t.id, t.owner, "small")).seats, 3);
});

Deno.test("api.change_organization_plan — members, other organizations' admins and other projects are refused", async () => {
  const t = await paying("teh");
  const other = await paying("susu");
  await rejectsAs(
    change(t.id, t.member, "crew"),
    "forbidden",
    /Only an owner or admin of teh can change its plan\./,
  );
  await rejectsAs(change(t.id, other.admin, "crew"), "forbidden", /Only an owner or admin of teh can change/);
  await rejectsAs(change(t.id, other.owner, "crew"), "forbidden");
  await rejectsAs(change(t.id, null, "crew", null, b.id), "not_found");
  await rejectsAs(change("org_nope", t.owner, "crew"), "not_found");
  await change(t.id, t.owner, "crew");
  await rejectsAs(
    withdraw(t.id, t.member),
    "forbidden",
    /Only an owner or admin of teh can change its plan\./,
  );
  await rejectsAs(withdraw(t.id, other.owner), "forbidden");
  await rejectsAs(as(b.id, (tx) => cancelOrganizationPlanChange(tx, b.id, t.id, null)), "not_found");
  assert.deepEqual(await audited(t.id), ["organization.plan_change"], "nothing refused was recorded");
  assert.equal((await as(a.id, (tx) => listOrganizationPlanChanges(tx, a.id, t.id)))[0].status, "scheduled");
});

Deno.test("api.change_organization_plan — seats: fewer than members refused with a clear message; a flat plan has its own", async () => {
  const t = await paying("jamu");
  await rejectsAs(
    change(t.id, t.owner, "duo"),
    "conflict",
    /^jamu has 3 members, more than the 2 seats it would have on plan Duo: remove members first/,
  );
  await rejectsAs(
    change(t.id, t.owner, "small", 2),
    "conflict",
    /more than the 2 seats it would have on plan Small/,
  );
  await rejectsAs(change(t.id, t.owner, "crew", 7), "validation_failed", /Plan crew comes with 5 seats/);
  await rejectsAs(change(t.id, t.owner, "small", 0), "validation_failed", /seats must be a whole number/);
  await rejectsAs(change(t.id, t.owner, "seat"), "conflict", /^jamu already has plan seat\.$/);
  await rejectsAs(change(t.id, t.owner, "pro"), "validation_failed", /Plan pro is a personal plan/);
  await rejectsAs(change(t.id, t.owner, "nope"), "validation_failed", /no paid monthly or yearly plan nope/);
  assert.deepEqual(await audited(t.id), []);
  // With a member gone, two seats are enough.
  await call((tx) => tx`select api.remove_organization_member(${t.id}, ${t.member}, false)`);
  assert.equal((await change(t.id, t.owner, "duo")).seats, 2);
});

Deno.test("a scheduled change holds its seats: nobody joins or is invited past them meanwhile", async () => {
  const t = await paying("sirup", 5);
  await change(t.id, t.owner, "small", 4);
  const joiner = await seedUser(db.sql, a.id, "joiner@sirup.example");
  await call((tx) => tx`select api.add_organization_member(${t.id}, ${joiner}, 'member')`);
  const late = await seedUser(db.sql, a.id, "late@sirup.example");
  await rejectsAs(
    call((tx) => tx`select api.add_organization_member(${t.id}, ${late}, 'member')`),
    "organization_full",
    /^Organization sirup moves to plan small with 4 seats on \d{4}-\d\d-\d\d, and they are all taken: withdraw/,
  );
  await withdraw(t.id, t.admin);
  await call((tx) => tx`select api.add_organization_member(${t.id}, ${late}, 'member')`);
  assert.equal((await organization(t.id)).members, 5);
});

Deno.test("api.cancel_organization_plan_change — withdraws it (audited, emitted); again is 409; the old plan renews", async () => {
  const t = await paying("gula");
  await rejectsAs(withdraw(t.id, t.owner), "conflict", /^gula has no scheduled plan change to withdraw\.$/);
  await change(t.id, t.owner, "crew");
  const withdrawn = await withdraw(t.id, t.admin);
  assert.deepEqual([withdrawn.to_plan, withdrawn.status], ["crew", "canceled"]);
  assert.equal((await organization(t.id)).open_change, null, "a withdrawn change is not open");
  await rejectsAs(withdraw(t.id, null), "conflict");
  assert.deepEqual(await audited(t.id), ["organization.plan_change", "organization.plan_change_cancel"]);
  assert.deepEqual((await events(t.id)).map((c) => c.status), ["scheduled", "canceled"]);
  const [reminder] = await pass(at(t.through, -3), t.id);
  assert.deepEqual([reminder.plan, reminder.checkout?.seats, reminder.checkout?.amount], [
    "seat",
    3,
    150_000,
  ]);
});

Deno.test("renewal — the pass opens the new plan's pay link; paying it charges the new price and brings its seats from the new period", async () => {
  const t = await paying("madu");
  await change(t.id, t.admin, "crew");
  const [reminder] = await pass(at(t.through, -3), t.id);
  assert.equal(reminder.action, "remind");
  assert.deepEqual([
    reminder.plan,
    reminder.checkout?.plan,
    reminder.checkout?.seats,
    reminder.checkout?.amount,
  ], [
    "crew",
    "crew",
    5,
    200_000,
  ]);
  await pay(reminder.checkout!.checkout_id, 200_000);
  const o = await organization(t.id);
  assert.equal(o.plan, "crew");
  assert.deepEqual([o.seat_limit, o.next_seat_limit, Date.parse(o.next_seat_limit_from as string)], [
    3,
    5,
    t.through.getTime(),
  ], "the paid period keeps its seats; the new plan's from the new period");
  const renewed = new Date(o.plan_paid_through as string);
  assert.ok(renewed >= at(t.through, 28) && renewed <= at(t.through, 31), "a period on from the old date");
  const [applied] = await as(a.id, (tx) => listOrganizationPlanChanges(tx, a.id, t.id));
  assert.equal(applied.status, "applied");
  assert.deepEqual((await events(t.id)).map((c) => c.status), ["scheduled", "applied"]);
  const paid = await call<Json>((tx) =>
    tx`select details from astapa.audit_log where action = 'organization.plan_paid' and target = ${t.id}
       order by id desc limit 1`
  );
  assert.deepEqual([paid.plan, paid.plan_change_status], ["crew", "applied"]);
  // The period after renews the new plan.
  const [next] = await pass(at(renewed, -3), t.id);
  assert.deepEqual([next.plan, next.checkout?.amount], ["crew", 200_000]);
});

Deno.test("renewal — a pay link already opened for the old plan expires, and the pass opens the new plan's", async () => {
  const t = await paying("jahe", 4);
  const [old] = await pass(at(t.through, -3), t.id);
  assert.equal(old.checkout?.plan, "seat");
  await change(t.id, t.owner, "small");
  const status = await call<string>((tx) =>
    tx`select status from astapa.checkouts where public_id = ${old.checkout!.checkout_id}`
  );
  assert.equal(status, "expired");
  const [fresh] = await pass(at(t.through, -2), t.id);
  assert.deepEqual([fresh.plan, fresh.checkout?.seats, fresh.checkout?.amount], ["small", 4, 120_000]);
  // Withdrawn: the new plan's link expires in turn and the old plan's comes back.
  await withdraw(t.id, t.owner);
  const [back] = await pass(at(t.through, -1), t.id);
  assert.deepEqual([back.plan, back.checkout?.amount], ["seat", 200_000]);
});

Deno.test("moot changes — paying the old plan's next period, the plan running out, a canceled plan, or the app setting the plan", async () => {
  // Seats added to the running period leave it be; the next period paid on the old plan cancels it.
  const t = await paying("garam");
  await change(t.id, t.owner, "crew");
  const buy = async (seats: number) => {
    const opened = await call((tx) =>
      tx`select api.create_organization_checkout(${a.id}, ${t.id}, ${
        tx.json({ xendit_account: "simulator", sub: t.owner, plan: "seat", seats } as never)
      })`
    );
    await pay(opened.checkout_id as string, opened.amount as number);
    return opened;
  };
  assert.equal((await buy(4)).seats_from, 3, "prorated: more seats now");
  assert.equal((await as(a.id, (tx) => listOrganizationPlanChanges(tx, a.id, t.id)))[0].status, "scheduled");
  assert.equal((await buy(3)).seats_from, null, "the next period, for fewer seats");
  assert.equal((await as(a.id, (tx) => listOrganizationPlanChanges(tx, a.id, t.id)))[0].status, "canceled");
  assert.deepEqual([(await organization(t.id)).plan, (await organization(t.id)).open_change], ["seat", null]);

  // Unpaid through the grace days: the plan falls back and the change with it.
  const u = await paying("merica");
  await change(u.id, u.owner, "crew");
  assert.deepEqual((await pass(at(u.through, 3), u.id)).map((s) => s.action), ["expire"]);
  assert.equal((await as(a.id, (tx) => listOrganizationPlanChanges(tx, a.id, u.id)))[0].status, "canceled");

  // A canceled plan cannot be changed; canceling after scheduling leaves no pay link.
  const c = await paying("cabai");
  await change(c.id, c.owner, "crew");
  await as(a.id, (tx) => cancelOrganizationPlan(tx, a.id, c.id, c.owner));
  await rejectsAs(change(c.id, c.owner, "small"), "conflict", /cabai's plan is canceled .*: resume it first/);
  assert.deepEqual(await pass(at(c.through, -3), c.id), []);

  // The app sets the plan itself: a change to it is applied, and nothing is scheduled any more.
  const d = await paying("kemiri");
  await change(d.id, null, "crew");
  await call((tx) => tx`select api.update_organization(${d.id}, '{"plan": "crew"}')`);
  assert.equal((await as(a.id, (tx) => listOrganizationPlanChanges(tx, a.id, d.id)))[0].status, "applied");
  assert.equal((await organization(d.id)).open_change, null, "an applied change is not open");
  await rejectsAs(
    change(d.id, d.owner, "small"),
    "conflict",
    /kemiri has no running paid team plan to change/,
  );
});

Deno.test("the plan scheduled into stays a team plan; deleting the organization takes its changes with it", async () => {
  const t = await paying("kayu");
  await as(a.id, async (tx) => {
    await tx`select api.create_plan(${a.id}, '{"key": "later", "name": "Later", "price_idr": 40000}')`;
    await tx`select api.set_plan_seats(${a.id}, 'later', 'per_seat')`;
  });
  await change(t.id, t.owner, "later");
  await rejectsAs(
    call((tx) => tx`select api.set_plan_seats(${a.id}, 'later', null)`),
    "conflict",
    /^Plan later is held by organizations \(1 plans, scheduled changes or unpaid checkouts\)/,
  );
  await call((tx) => tx`select api.delete_organization(${t.id})`);
  const left = await call<number>((tx) =>
    tx`select count(*)::int from astapa.plan_changes where organization_id = ${t.id}`
  );
  assert.equal(left, 0);
  await call((tx) => tx`select api.set_plan_seats(${a.id}, 'later', null)`);
});
