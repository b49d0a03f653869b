/** The plan API: every project's default free plan, creating, changing, archiving and listing plans. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { createPlan, getPlan, listPlans, type NewPlan, type PlanChanges, updatePlan } from "@/db/plans.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql);
const create = (plan: NewPlan, id = project.id) => asApp(db.sql, id, (tx) => createPlan(tx, id, plan));
const update = (key: string, changes: PlanChanges, id = project.id) =>
  asApp(db.sql, id, (tx) => updatePlan(tx, id, key, changes));
const list = (all = false) => asApp(db.sql, project.id, (tx) => listPlans(tx, project.id, all));

/** The field errors an API caller would see for this failure. */
async function fieldsOf(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  const error = toAppError(await promise.then(() => assert.fail("expected a failure"), (e) => e));
  assert.equal(error.code, "validation_failed", error.description);
  return error.fields ?? {};
}

Deno.test("plans — a new project has exactly one plan, free, and it is the default", async () => {
  const fresh = await seedProject(db.sql);
  const plans = await asApp(db.sql, fresh.id, (tx) => listPlans(tx, fresh.id));
  assert.deepEqual(plans.map((p) => [p.key, p.default, p.price_idr, p.interval]), [[
    "free",
    true,
    0,
    "month",
  ]]);
});

Deno.test("api.create_plan — stores every field and audits; default moves to the new plan", async () => {
  const pro = await create({
    key: "pro",
    name: " Pro ",
    description: "For teams",
    price_idr: 99000,
    interval: "month",
    claims: { feature_flags: ["export_csv"], seats: 5 },
    sort_order: 2,
    trial_days: 7,
  });
  assert.deepEqual(
    { ...pro, created_at: "", updated_at: "" },
    {
      key: "pro",
      name: "Pro",
      description: "For teams",
      price_idr: 99000,
      interval: "month",
      trial_days: 7,
      claims: { feature_flags: ["export_csv"], seats: 5 },
      default: false,
      sort_order: 2,
      seat_pricing: null,
      included_seats: null,
      archived: false,
      archived_at: null,
      created_at: "",
      updated_at: "",
    },
  );
  await create({
    key: "starter",
    name: "Starter",
    price_idr: 0,
    interval: "year",
    default: true,
    sort_order: 1,
  });
  const defaults = (await list()).filter((p) => p.default).map((p) => p.key);
  assert.deepEqual(defaults, ["starter"]);
  await update("free", { default: true });
  assert.deepEqual((await list()).filter((p) => p.default).map((p) => p.key), ["free"]);
  const audited = await appValue(
    db.sql,
    project.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'plan.create'`,
  );
  assert.equal(audited, 2);
});

Deno.test("api.create_plan — each bad field is named; nothing is stored", async () => {
  const before = (await list(true)).length;
  assert.deepEqual(Object.keys(await fieldsOf(create({} as NewPlan))).sort(), ["key", "name"]);
  const fields = await fieldsOf(create({
    key: "Pro Plan",
    name: "",
    price_idr: -1,
    interval: "week" as "month",
    sort_order: 1.5,
    claims: { sub: "x", feature_flags: "beta" as unknown as string[], role: "admin", "2fast": 1 },
    colour: "red",
  } as NewPlan));
  assert.deepEqual(Object.keys(fields).sort(), [
    "claims.2fast",
    "claims.feature_flags",
    "claims.role",
    "claims.sub",
    "colour",
    "interval",
    "key",
    "name",
    "price_idr",
    "sort_order",
  ]);
  assert.match(fields["claims.sub"][0], /reserved claim name/);
  assert.match(fields.price_idr[0], /whole number of rupiah/);
  const big = await fieldsOf(create({ key: "big", name: "Big", claims: { blob: "x".repeat(5000) } }));
  assert.match(big.claims[0], /4 KiB/);
  assert.equal((await list(true)).length, before);
  await rejectsAs(create({ key: "free", name: "Again" }), "conflict", /already exists/);
});

Deno.test("api.update_plan — changes fields; archives; the default cannot be archived; unknown plan 404", async () => {
  await create({ key: "legacy", name: "Legacy", price_idr: 10000 });
  const changed = await update("legacy", {
    name: "Legacy 2019",
    price_idr: 5000,
    claims: { feature_flags: ["old"] },
  });
  assert.deepEqual([changed.name, changed.price_idr, changed.claims], ["Legacy 2019", 5000, {
    feature_flags: ["old"],
  }]);
  const archived = await update("legacy", { archived: true });
  assert.equal(archived.archived, true);
  assert.ok(archived.archived_at);
  assert.ok(!(await list()).some((p) => p.key === "legacy"), "archived plans are hidden by default");
  assert.ok((await list(true)).some((p) => p.key === "legacy"), "and listed when asked for");

  const defaultKey = (await list()).find((p) => p.default)!.key;
  const fields = await fieldsOf(update(defaultKey, { archived: true }));
  assert.deepEqual(Object.keys(fields), ["archived"]);
  assert.deepEqual(Object.keys(await fieldsOf(update("legacy", { default: true }))), ["default"]);
  assert.deepEqual(
    Object.keys(await fieldsOf(update("legacy", { key: "renamed" } as PlanChanges))),
    ["key"],
  );
  await rejectsAs(update("nope", { name: "x" }), "not_found");
  const unarchived = await update("legacy", { archived: false });
  assert.equal(unarchived.archived_at, null);
});

Deno.test("plans — another project's plans are not found; no project, no plans", async () => {
  const other = await seedProject(db.sql);
  await rejectsAs(asApp(db.sql, other.id, (tx) => getPlan(tx, project.id, "free")), "not_found");
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => updatePlan(tx, project.id, "free", { name: "Mine" })),
    "not_found",
  );
  await rejectsAs(asApp(db.sql, other.id, (tx) => listPlans(tx, project.id)), "not_found");
  await rejectsAs(asApp(db.sql, null, (tx) => getPlan(tx, project.id, "free")), "not_found");
});

Deno.test("plans — the table's checks hold for writes that skip the functions", async () => {
  const direct = (statement: string) => asApp(db.sql, project.id, (tx) => tx.unsafe(statement));
  await rejectsAs(
    direct(
      `insert into astapa.plans (project_id, key, name, claims) values ('${project.id}', 'x', 'X', '{"iss": 1}')`,
    ),
    "validation_failed",
  );
  await rejectsAs(
    direct(
      `insert into astapa.plans (project_id, key, name, is_default) values ('${project.id}', 'y', 'Y', true)`,
    ),
    "conflict",
  );
  await rejectsAs(
    direct(`update astapa.plans set archived_at = now() where project_id = '${project.id}' and is_default`),
    "validation_failed",
  );
});

/** One value selected as the app role for `id`. */
const value = <T>(
  id: string | null,
  query: (tx: Parameters<Parameters<typeof asApp>[2]>[0]) => Promise<readonly { result: unknown }[]>,
) => asApp(db.sql, id, async (tx) => (await query(tx))[0].result as T);

Deno.test("api.get_plan, api.list_plans — one plan or AS404; the list by sort_order, price and key, archived when asked; only the project's own", async () => {
  const shop = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const make = (plan: NewPlan) => asApp(db.sql, shop.id, (tx) => createPlan(tx, shop.id, plan));
  await make({ key: "b_team", name: "Team", price_idr: 50_000, sort_order: 1 });
  await make({ key: "a_team", name: "Team A", price_idr: 50_000, sort_order: 1 });
  await make({ key: "cheap", name: "Cheap", price_idr: 10_000, sort_order: 1 });
  await make({ key: "first", name: "First", price_idr: 90_000, sort_order: 0 });
  await make({ key: "gone", name: "Gone", price_idr: 1_000, sort_order: 0 });
  await asApp(db.sql, shop.id, (tx) => updatePlan(tx, shop.id, "gone", { archived: true }));
  await asApp(
    db.sql,
    other.id,
    (tx) => createPlan(tx, other.id, { key: "theirs", name: "Theirs", price_idr: 1 }),
  );

  const keys = async (archived?: boolean) =>
    (await value<{ key: string }[]>(
      shop.id,
      (tx) =>
        archived === undefined
          ? tx`select api.list_plans(${shop.id}) as result`
          : tx`select api.list_plans(${shop.id}, ${archived}) as result`,
    )).map((p) => p.key);
  assert.deepEqual(await keys(), ["free", "first", "cheap", "a_team", "b_team"]);
  assert.deepEqual(await keys(false), await keys());
  assert.deepEqual(await keys(true), ["free", "gone", "first", "cheap", "a_team", "b_team"]);
  await rejectsAs(value(shop.id, (tx) => tx`select api.list_plans(${other.id}) as result`), "not_found");
  await rejectsAs(value(null, (tx) => tx`select api.list_plans(${shop.id}) as result`), "not_found");

  const cheap = await value<Record<string, unknown>>(
    shop.id,
    (tx) => tx`select api.get_plan(${shop.id}, 'cheap') as result`,
  );
  assert.deepEqual({ ...cheap, created_at: "", updated_at: "" }, {
    key: "cheap",
    name: "Cheap",
    description: "",
    price_idr: 10_000,
    interval: "month",
    trial_days: 0,
    claims: {},
    default: false,
    sort_order: 1,
    seat_pricing: null,
    included_seats: null,
    archived: false,
    archived_at: null,
    created_at: "",
    updated_at: "",
  });
  assert.equal(
    (await value<Record<string, unknown>>(
      shop.id,
      (tx) => tx`select api.get_plan(${shop.id}, 'gone') as result`,
    ))
      .archived,
    true,
    "an archived plan is still found by its key",
  );
  await rejectsAs(
    value(shop.id, (tx) => tx`select api.get_plan(${shop.id}, 'nope') as result`),
    "not_found",
    /nope/,
  );
  await rejectsAs(
    value(shop.id, (tx) => tx`select api.get_plan(${shop.id}, 'theirs') as result`),
    "not_found",
  );
  await rejectsAs(
    value(shop.id, (tx) => tx`select api.get_plan(${other.id}, 'theirs') as result`),
    "not_found",
  );
});

Deno.test("astapa.create_free_plan — a project inserted anyhow gets the default free plan, and only that project", async () => {
  const before = await db.sql`select count(*)::int as n from astapa.plans`;
  const fresh = await seedProject(db.sql);
  const plans = await db.sql`
    select key, name, price_idr::int, interval, is_default from astapa.plans where project_id = ${fresh.id}`;
  assert.deepEqual(plans.map((p) => ({ ...p })), [
    { key: "free", name: "Free", price_idr: 0, interval: "month", is_default: true },
  ]);
  const after = await db.sql`select count(*)::int as n from astapa.plans`;
  assert.equal(after[0].n, before[0].n + 1, "one plan added in all");
});

Deno.test("astapa.are_valid_plan_claims — feature_flags a list of valid flags beside valid custom claims", async () => {
  const valid = async (claims: unknown) =>
    (await db.sql`select astapa.are_valid_plan_claims(${db.sql.json(claims as never)}) as ok`)[0].ok;
  assert.equal(await valid({}), true);
  assert.equal(await valid({ feature_flags: ["export_csv", "beta"], seats: 5 }), true);
  assert.equal(await valid({ feature_flags: [] }), true);
  assert.equal(await valid({ feature_flags: "export_csv" }), false, "not a list");
  assert.equal(await valid({ feature_flags: [1] }), false, "not strings");
  assert.equal(await valid({ feature_flags: ["beta", "beta"] }), false, "twice the same");
  assert.equal(await valid({ feature_flags: ["x".repeat(65)] }), false, "longer than 64 characters");
  assert.equal(await valid({ iss: "x" }), false, "a reserved claim name");
});
