/**
 * SQL tests for team plans with seats (db/api/team_plans.sql, issue 28 item 3): making a plan a team plan, an
 * organization's checkout (owners and admins pay; per seat or flat; fewer seats than members refused), what paying
 * does (plan, seat limit, period), prorated added seats, a lapsed period, and another project.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { applyPaymentEvent, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A", redirectUri: "https://team.example/callback" });
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);

await asApp(db.sql, a.id, async (tx) => {
  await tx`select api.create_plan(${a.id}, '{"key": "seat", "name": "Seat", "price_idr": 50000, "claims": {"feature_flags": ["sso"]}}')`;
  await tx`select api.create_plan(${a.id}, '{"key": "crew", "name": "Crew", "price_idr": 300000}')`;
  await tx`select api.create_plan(${a.id}, '{"key": "solo", "name": "Solo", "price_idr": 20000}')`;
  await tx`select api.set_plan_seats(${a.id}, 'seat', 'per_seat')`;
  await tx`select api.set_plan_seats(${a.id}, 'crew', 'flat', 3)`;
});

async function team(slug: string) {
  const owner = await seedUser(db.sql, a.id, `owner@${slug}.example`);
  const admin = await seedUser(db.sql, a.id, `admin@${slug}.example`);
  const member = await seedUser(db.sql, a.id, `member@${slug}.example`);
  const org = await call(a.id, (tx) => tx`select api.create_organization(${slug}, ${slug}, ${owner})`);
  await asApp(db.sql, a.id, async (tx) => {
    await tx`select api.add_organization_member(${org.id as string}, ${admin}, 'admin')`;
    await tx`select api.add_organization_member(${org.id as string}, ${member}, 'member')`;
  });
  return { id: org.id as string, owner, admin, member };
}

const checkout = (org: string, body: Json) =>
  call(
    a.id,
    (tx) =>
      tx`select api.create_organization_checkout(${a.id}, ${org}, ${
        tx.json({ xendit_account: "simulator", ...body } as never)
      })`,
  );

/** Pays a checkout the way the Xendit callback does: a charge, its SUCCEEDED event, the worker applying it. */
async function pay(checkoutId: string, amount: number) {
  const providerId = `pr-${checkoutId}`;
  await asApp(db.sql, a.id, async (tx) => {
    await recordPayment(tx, a.id, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    });
    await recordPaymentEvent(tx, a.id, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, status: "SUCCEEDED" } },
    });
  });
  const applied = await asApp(db.sql, a.id, (tx) => applyPaymentEvent(tx, a.id));
  assert.equal(applied?.outcome, "paid");
}

const organization = (id: string) => call(a.id, (tx) => tx`select api.get_organization(${id})`);

Deno.test("api.set_plan_seats — per seat, flat with included seats, back to personal; bad input and unknown plans refused", async () => {
  const flat = await call(a.id, (tx) => tx`select api.set_plan_seats(${a.id}, 'solo', 'flat', 5)`);
  assert.deepEqual([flat.seat_pricing, flat.included_seats], ["flat", 5]);
  const personal = await call(a.id, (tx) => tx`select api.set_plan_seats(${a.id}, 'solo', null)`);
  assert.deepEqual([personal.seat_pricing, personal.included_seats], [null, null]);
  const set = (pricing: string | null, seats: number | null, key = "solo", project = a.id) =>
    asApp(db.sql, project, (tx) => tx`select api.set_plan_seats(${project}, ${key}, ${pricing}, ${seats})`);
  await rejectsAs(set("per_user", null), "validation_failed", /seat_pricing/);
  await rejectsAs(set("flat", null), "validation_failed", /included_seats/);
  await rejectsAs(set("flat", 0), "validation_failed", /included_seats/);
  await rejectsAs(set("per_seat", 4), "validation_failed", /Only a flat/);
  await rejectsAs(set("per_seat", null, "gold"), "not_found");
  await rejectsAs(set("per_seat", null, "solo", b.id), "not_found", /no plan solo/);
});

Deno.test("api.create_organization_checkout — per seat price x seats; only owners and admins pay; bad input refused", async () => {
  const t = await team("kopi");
  const opened = await checkout(t.id, { sub: t.admin, plan: "seat", seats: 4 });
  assert.deepEqual([opened.amount, opened.seats, opened.seats_from, opened.organization_id], [
    200_000,
    4,
    null,
    t.id,
  ]);
  assert.equal(opened.sub, t.admin, "the payer");
  assert.deepEqual(opened.organization, { id: t.id, name: "kopi", seats: 4, seats_from: null });
  await rejectsAs(checkout(t.id, { sub: t.member, plan: "seat", seats: 4 }), "forbidden", /owner or admin/);
  await rejectsAs(checkout(t.id, { sub: "1", plan: "seat", seats: 4 }), "forbidden");
  // The owner of another organization of the project is nobody here: they cannot open (or pay) this one's.
  const other = await team("teh-tarik");
  await rejectsAs(
    checkout(t.id, { sub: other.owner, plan: "seat", seats: 4 }),
    "forbidden",
    /owner or admin of kopi/,
  );
  await rejectsAs(
    checkout(t.id, { sub: t.owner, plan: "solo", seats: 4 }),
    "validation_failed",
    /no team plan/,
  );
  await rejectsAs(checkout(t.id, { sub: t.owner, plan: "seat" }), "validation_failed", /seats/);
  await rejectsAs(checkout(t.id, { sub: t.owner, plan: "seat", seats: 0 }), "validation_failed", /seats/);
  await rejectsAs(checkout(t.id, { sub: t.owner, plan: "seat", seats: "2; drop" }), "validation_failed");
  await rejectsAs(
    checkout(t.id, { sub: t.owner, plan: "seat", seats: 2 }),
    "conflict",
    /3 members, more than the 2/,
  );
  await rejectsAs(
    checkout(t.id, { sub: t.owner, plan: "crew", seats: 5 }),
    "validation_failed",
    /comes with 3/,
  );
  await rejectsAs(checkout(t.id, { sub: t.owner, plan: "seat", seats: 4, coupon: "X" }), "validation_failed");
  await rejectsAs(
    call(
      a.id,
      (tx) =>
        tx`select api.create_checkout(${a.id}, ${
          tx.json({ sub: t.owner, plan: "seat", xendit_account: "simulator" } as never)
        })`,
    ),
    "validation_failed",
    /team plan: buy it for an organization/,
  );
  // Naming an organization in the JSON changes nothing: only Astapa's own functions open a team checkout.
  await rejectsAs(
    call(
      a.id,
      (tx) =>
        tx`select api.create_checkout(${a.id}, ${
          tx.json({ sub: t.owner, plan: "seat", organization: t.id, xendit_account: "simulator" } as never)
        })`,
    ),
    "validation_failed",
    /team plan: buy it for an organization/,
  );
  await rejectsAs(
    asApp(db.sql, b.id, (tx) => tx`select api.create_organization_checkout(${b.id}, ${t.id}, '{}')`),
    "not_found",
    /not found/,
  );
  const audited = await call<number>(
    a.id,
    (tx) =>
      tx`select count(*)::int from astapa.audit_log where action = 'organization.checkout' and target = ${t.id}`,
  );
  assert.equal(audited, 1, "only the opened one");
});

Deno.test("paying a team plan — the organization gets the plan, the seats as seat limit and a period; the payer's own plan is untouched", async () => {
  const t = await team("teh");
  const opened = await checkout(t.id, { sub: t.owner, plan: "seat", seats: 5 });
  await pay(opened.checkout_id as string, 250_000);
  const paid = await organization(t.id);
  assert.deepEqual([paid.plan, paid.seat_limit], ["seat", 5]);
  const through = Date.parse(paid.plan_paid_through as string);
  assert.ok(through > Date.now() + 27 * 86_400_000 && through < Date.now() + 32 * 86_400_000, "one month");
  const personal = await call(a.id, (tx) => tx`select api.current_subscription(${a.id}, ${t.owner})`);
  assert.notEqual(personal?.plan, "seat", "the payer did not get the team plan");
  assert.deepEqual(
    await call(a.id, (tx) => tx`select astapa.organization_plan_claims(${t.id})`),
    { org_plan: "seat", org_feature_flags: ["sso"] },
  );
  // Renewing: the next period starts where the paid one ends.
  const renewal = await checkout(t.id, { sub: t.owner, plan: "seat", seats: 5 });
  assert.equal(renewal.amount, 250_000);
  await pay(renewal.checkout_id as string, 250_000);
  const renewed = Date.parse((await organization(t.id)).plan_paid_through as string);
  assert.ok(renewed > through + 27 * 86_400_000, "extended from the paid-through date");
});

Deno.test("adding seats mid-period — only the added seats for the rest of the period; the period stays", async () => {
  const t = await team("jamu");
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 })).checkout_id as string, 150_000);
  // Half the period gone: the database clock cannot move, so the paid period is moved back instead.
  await asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`update astapa.organizations set plan_paid_through = now() + (plan_paid_through - now()) / 2 where id = ${t.id}`,
  );
  const before = await organization(t.id);
  const more = await checkout(t.id, { sub: t.admin, plan: "seat", seats: 5 });
  assert.equal(more.seats_from, 3);
  assert.deepEqual(more.organization, { id: t.id, name: "jamu", seats: 5, seats_from: 3 });
  const amount = more.amount as number;
  assert.ok(amount > 40_000 && amount < 60_000, `about half of 2 x 50,000, got ${amount}`);
  await pay(more.checkout_id as string, amount);
  const after = await organization(t.id);
  assert.deepEqual([after.seat_limit, after.plan_paid_through], [5, before.plan_paid_through]);
});

Deno.test("a flat team plan — its own seats; an unpaid period lapses the plan in tokens after the grace days; invitations meet its seat limit", async () => {
  const t = await team("susu");
  const opened = await checkout(t.id, { sub: t.owner, plan: "crew" });
  assert.deepEqual([opened.amount, opened.seats], [300_000, 3]);
  await pay(opened.checkout_id as string, 300_000);
  assert.equal((await organization(t.id)).seat_limit, 3);
  await rejectsAs(
    asApp(
      db.sql,
      a.id,
      (tx) =>
        tx`select api.invite_to_organization(${t.id}, 'late@susu.example', 'member', sha256('hash-susu'::bytea))`,
    ),
    "organization_full",
    /all of its 3 seats taken/,
  );
  await asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`update astapa.organizations set plan_paid_through = now() - interval '1 second' where id = ${t.id}`,
  );
  // Unpaid: kept through the grace days (3 by default), then gone.
  assert.deepEqual(
    await call(a.id, (tx) => tx`select astapa.organization_plan_claims(${t.id})`),
    { org_plan: "crew", org_feature_flags: [] },
  );
  await asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`update astapa.organizations set plan_paid_through = now() - interval '3 days 1 second' where id = ${t.id}`,
  );
  assert.deepEqual(await call(a.id, (tx) => tx`select astapa.organization_plan_claims(${t.id})`), {});
});

Deno.test("api.organization_billing — owners and admins see their organizations' plan, seats and paid team checkouts; members and other projects see none", async () => {
  const t = await team("sirup");
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 })).checkout_id as string, 150_000);
  type Billing = { organizations: Json[]; team_plans: Json[] };
  const seen = await call<Billing>(a.id, (tx) => tx`select api.organization_billing(${t.admin})`);
  const mine = seen.organizations.find((o) => o.id === t.id)!;
  assert.deepEqual(
    [mine.role, mine.plan, mine.plan_name, mine.seat_limit, mine.members],
    ["admin", "seat", "Seat", 3, 3],
  );
  assert.equal(mine.billing_method, null, "no linked method chosen: renewals are mailed pay links");
  assert.deepEqual((mine.payments as Json[]).map((p) => [p.seats, p.seats_from, p.amount]), [[
    3,
    null,
    150_000,
  ]]);
  assert.deepEqual(seen.team_plans.map((p) => p.key).sort(), ["crew", "seat"], "team plans only");
  const member = await call<Billing>(a.id, (tx) => tx`select api.organization_billing(${t.member})`);
  assert.deepEqual(member.organizations, []);
  const elsewhere = await call<Billing>(b.id, (tx) => tx`select api.organization_billing(${t.admin})`);
  assert.deepEqual(elsewhere, { organizations: [], team_plans: [], linked_methods: [] });
});

Deno.test("paying the next period for fewer seats — the running period keeps its seats; the lower limit starts with the new one", async () => {
  const t = await team("gula");
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 5 })).checkout_id as string, 250_000);
  const first = await organization(t.id);
  const fewer = await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 });
  assert.deepEqual([fewer.amount, fewer.seats_from], [150_000, null], "a full period for 3 seats");
  await pay(fewer.checkout_id as string, 150_000);
  const paid = await organization(t.id);
  assert.deepEqual(
    [paid.seat_limit, paid.next_seat_limit, paid.next_seat_limit_from],
    [5, 3, first.plan_paid_through],
    "5 seats until the paid period ends, 3 from the next one",
  );
  assert.ok(Date.parse(paid.plan_paid_through as string) > Date.parse(first.plan_paid_through as string));
  const invite = (email: string) =>
    asApp(
      db.sql,
      a.id,
      (tx) => tx`select api.invite_to_organization(${t.id}, ${email}, 'member', sha256(${email}::bytea))`,
    );
  await invite("fourth@gula.example");
  // The new period begins: the database clock cannot move, so its start is moved back instead.
  await asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`update astapa.organizations set next_seat_limit_from = now() - interval '1 second' where id = ${t.id}`,
  );
  const next = await organization(t.id);
  assert.deepEqual([next.seat_limit, next.next_seat_limit, next.next_seat_limit_from], [3, null, null]);
  await rejectsAs(invite("fifth@gula.example"), "organization_full", /all of its 3 seats taken/);
  // Adding seats then prices from the 3 now in force and drops nothing it paid for.
  const more = await checkout(t.id, { sub: t.owner, plan: "seat", seats: 4 });
  assert.equal(more.seats_from, 3);
  await pay(more.checkout_id as string, more.amount as number);
  const after = await organization(t.id);
  assert.deepEqual([after.seat_limit, after.next_seat_limit], [4, null]);
});

Deno.test("a seat limit the app sets replaces a lower limit paid for the next period", async () => {
  const t = await team("madu");
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 5 })).checkout_id as string, 250_000);
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 4 })).checkout_id as string, 200_000);
  assert.equal((await organization(t.id)).next_seat_limit, 4);
  const patched = await call(a.id, (tx) => tx`select api.update_organization(${t.id}, '{"seat_limit": 6}')`);
  assert.deepEqual([patched.seat_limit, patched.next_seat_limit, patched.next_seat_limit_from], [
    6,
    null,
    null,
  ]);
});

Deno.test("a team plan's receipt — made out to the organization, paid by the owner; the next checkout keeps its tax details", async () => {
  const t = await team("cokelat");
  const first = await checkout(t.id, { sub: t.admin, plan: "seat", seats: 3 });
  assert.deepEqual(
    [first.buyer_name ?? null, first.buyer_tax_id ?? null],
    [null, null],
    "nothing to carry yet",
  );
  await asApp(db.sql, a.id, (tx) =>
    tx`select api.set_checkout_buyer(${a.id}, ${first.checkout_id as string},
         '{"name": "PT Cokelat Nusantara", "tax_id": "01.234.567.8-901.000"}')`);
  await pay(first.checkout_id as string, 150_000);
  const receipt = await call(
    a.id,
    (tx) =>
      tx`select astapa.receipt_json(r) from astapa.receipts as r join astapa.checkouts as c
         on c.project_id = r.project_id and c.id = r.checkout_id where c.public_id = ${first
        .checkout_id as string}`,
  );
  assert.deepEqual(receipt.organization, { id: t.id, name: "cokelat" });
  assert.deepEqual(receipt.buyer, {
    email: "admin@cokelat.example",
    name: "PT Cokelat Nusantara",
    tax_id: "012345678901000",
  }, "the payer's email, the company's name and NPWP");
  // The next checkout — a renewal for other seats — starts with the company's details; renaming the
  // organization later does not rewrite the issued receipt.
  const next = await checkout(t.id, { sub: t.owner, plan: "seat", seats: 4 });
  const carried = await call(
    a.id,
    (tx) =>
      tx`select to_jsonb(c) from astapa.checkouts as c where c.project_id = ${a.id}
         and c.public_id = ${next.checkout_id as string}`,
  );
  assert.deepEqual([carried.buyer_name, carried.buyer_tax_id], ["PT Cokelat Nusantara", "012345678901000"]);
  await call(a.id, (tx) => tx`select api.update_organization(${t.id}, '{"name": "Cokelat Baru"}')`);
  const again = await call(
    a.id,
    (tx) => tx`select api.get_receipt(${a.id}, ${receipt.receipt_id as string})`,
  );
  assert.deepEqual(again.organization, { id: t.id, name: "cokelat" });
  // A person's receipt names no organization.
  const person = await seedUser(db.sql, a.id, "solo@cokelat.example");
  const own = await call(
    a.id,
    (tx) =>
      tx`select api.create_checkout(${a.id}, ${
        tx.json({ sub: person, plan: "solo", xendit_account: "simulator" } as never)
      })`,
  );
  await pay(own.checkout_id as string, 20_000);
  const personal = await call(
    a.id,
    (tx) =>
      tx`select astapa.receipt_json(r) from astapa.receipts as r join astapa.checkouts as c
         on c.project_id = r.project_id and c.id = r.checkout_id where c.public_id = ${own
        .checkout_id as string}`,
  );
  assert.equal(personal.organization, null);
});

Deno.test("added seats paid after their period ended — recorded, but they buy no period and no seats", async () => {
  const t = await team("telat");
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 })).checkout_id as string, 150_000);
  // An hour before the period ends, two seats cost a sliver of a period's price.
  await asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`update astapa.organizations set plan_paid_through = now() + interval '1 hour' where id = ${t.id}`,
  );
  const more = await checkout(t.id, { sub: t.owner, plan: "seat", seats: 5 });
  assert.ok((more.amount as number) < 1_000, `an hour of two seats, got ${more.amount}`);
  // The period ends (in its grace days) before that sliver is paid: the clock cannot move, so the period's end
  // (and the end the seats were priced for) move back instead.
  await asApp(db.sql, a.id, async (tx) => {
    await tx`update astapa.organizations set plan_paid_through = now() - interval '1 minute' where id = ${t.id}`;
    await tx`update astapa.checkouts set seats_until = now() - interval '1 minute'
             where public_id = ${more.checkout_id as string}`;
  });
  const lapsed = await organization(t.id);
  await pay(more.checkout_id as string, more.amount as number);
  const after = await organization(t.id);
  assert.deepEqual(
    [after.plan, after.seat_limit, after.plan_paid_through],
    ["seat", 3, lapsed.plan_paid_through],
    "a sliver of a period's price never buys the next period",
  );
  const lapsedAudit = await call<number>(
    a.id,
    (tx) =>
      tx`select count(*)::int from astapa.audit_log where action = 'organization.seats_lapsed' and target = ${t.id}`,
  );
  assert.equal(lapsedAudit, 1);
  const receipt = await call(
    a.id,
    (tx) =>
      tx`select jsonb_build_object('amount', r.amount, 'period_end', r.period_end) from astapa.receipts r
         join astapa.checkouts k on k.project_id = r.project_id and k.id = r.checkout_id
         where k.public_id = ${more.checkout_id as string}`,
  );
  assert.deepEqual(
    receipt,
    { amount: more.amount, period_end: null },
    "receipted for a refund; no period bought",
  );
});

Deno.test("added seats paid after the next period was — they hold to the end of the period they were priced for", async () => {
  const t = await team("susul");
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 })).checkout_id as string, 150_000);
  const first = await organization(t.id);
  const more = await checkout(t.id, { sub: t.owner, plan: "seat", seats: 13 });
  assert.equal(more.seats_from, 3);
  await pay((await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 })).checkout_id as string, 150_000);
  await pay(more.checkout_id as string, more.amount as number);
  const after = await organization(t.id);
  assert.deepEqual(
    [after.seat_limit, after.next_seat_limit, after.next_seat_limit_from],
    [13, 3, first.plan_paid_through],
    "the ten seats were priced for the first period only; the next one was paid for three",
  );
});
