/**
 * api.assign_plan (the one way a plan changes), the plan and claims tokens carry (api.token_claims), claim
 * patches (api.patch_user_claims), and the events they leave (astapa.events + NOTIFY astapa_events).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan, currentSubscription, updatePlan } from "@/db/plans.ts";
import { type ClaimsPatch, patchUserClaims, type PlanSource, tokenClaims } from "@/db/users.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { listenTo } from "../helpers/notify.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql);
await asApp(db.sql, project.id, async (tx) => {
  await createPlan(tx, project.id, {
    key: "pro",
    name: "Pro",
    price_idr: 99000,
    claims: { feature_flags: ["export_csv", "beta_dashboard"], seats: 5, tier: "gold" },
  });
  await createPlan(tx, project.id, { key: "team", name: "Team", price_idr: 299000 });
});

const claims = (user: string) => asApp(db.sql, project.id, (tx) => tokenClaims(tx, project.id, user));
const assign = (user: string, plan: string, source: PlanSource = "claims_api", id = project.id) =>
  asApp(db.sql, id, (tx) => assignPlan(tx, project.id, user, plan, source));
const patch = (user: string, value: ClaimsPatch) =>
  asApp(db.sql, project.id, (tx) => patchUserClaims(tx, project.id, user, value));
const events = (type: string) =>
  appValue<{ type: string; data: Record<string, unknown> }[]>(
    db.sql,
    project.id,
    (tx) =>
      tx`select coalesce(jsonb_agg(jsonb_build_object('type', type, 'data', data) order by id), '[]') from astapa.events
         where type = ${type}`,
  );

Deno.test("api.assign_plan — puts the user on the plan, keeps history, audits, emits subscription.updated", async () => {
  const user = await seedUser(db.sql, project.id, "upgrade@example.com");
  assert.equal((await claims(user)).plan, "free");
  const before = (await events("subscription.updated")).length;

  const pro = await assign(user, "pro");
  assert.equal(pro.plan, "pro");
  assert.equal(pro.status, "active");
  assert.equal(pro.source, "claims_api");
  assert.equal(pro.current_period_end, null);
  assert.equal((await claims(user)).plan, "pro");

  await asApp(db.sql, project.id, (tx) =>
    assignPlan(tx, project.id, user, "team", "payment", {
      start: "2030-01-01T00:00:00Z",
      end: "2030-02-01T00:00:00Z",
    }));
  const state = await asApp(db.sql, project.id, (tx) => currentSubscription(tx, project.id, user));
  assert.equal(state.plan, "team");
  assert.equal(state.subscription?.source, "payment");
  assert.equal(new Date(state.subscription!.paid_through!).toISOString(), "2030-02-01T00:00:00.000Z");
  assert.deepEqual(state.history.map((s) => [s.plan, s.source]), [["pro", "claims_api"]]);
  assert.ok(state.history[0].ended_at);

  const emitted = (await events("subscription.updated")).slice(before);
  assert.deepEqual(
    emitted.map((e) => [(e.data.subscription as { plan: string }).plan, e.data.previous_plan]),
    [
      ["pro", "free"],
      ["team", "pro"],
    ],
  );
  const audited = await appValue(
    db.sql,
    project.id,
    (tx) =>
      tx`select jsonb_agg(details order by id) from astapa.audit_log
         where action = 'subscription.assign' and target = ${"user:" + user}`,
  );
  assert.deepEqual(audited, [
    { plan: "pro", previous_plan: "free", source: "claims_api" },
    { plan: "team", previous_plan: "pro", source: "payment" },
  ]);
});

Deno.test("api.assign_plan — assigning the plan a user already has changes nothing and emits nothing", async () => {
  const user = await seedUser(db.sql, project.id, "same@example.com");
  const first = await assign(user, "pro");
  const count = (await events("subscription.updated")).length;
  const again = await assign(user, "pro");
  assert.equal(again.created_at, first.created_at);
  assert.equal((await events("subscription.updated")).length, count);
});

Deno.test("api.assign_plan — unknown or archived plan, bad source, bad period, unknown user", async () => {
  const user = await seedUser(db.sql, project.id, "errors@example.com");
  const fieldsOf = async (promise: Promise<unknown>) => {
    const error = toAppError(await promise.then(() => assert.fail("expected a failure"), (e) => e));
    assert.equal(error.code, "validation_failed");
    return error.fields;
  };
  assert.deepEqual(await fieldsOf(assign(user, "platinum")), {
    plan: ["There is no plan platinum in this project."],
  });
  assert.deepEqual(Object.keys((await fieldsOf(assign(user, "pro", "gift" as PlanSource)))!), ["source"]);
  await rejectsAs(
    appValue(
      db.sql,
      project.id,
      (tx) => tx`select api.assign_plan(${project.id}, ${user}, 'pro', 'cli', 'empty')`,
    ),
    "validation_failed",
    /needs a start/,
  );
  await rejectsAs(assign("999999", "pro"), "not_found");
  const other = await seedProject(db.sql);
  await rejectsAs(assign(user, "pro", "claims_api", other.id), "not_found");
  assert.equal((await claims(user)).plan, "free", "nothing changed");
});

Deno.test("api.assign_plan — an archived plan keeps its subscribers but takes no new ones", async () => {
  await asApp(db.sql, project.id, (tx) => createPlan(tx, project.id, { key: "early", name: "Early bird" }));
  const keeper = await seedUser(db.sql, project.id, "keeper@example.com");
  const newcomer = await seedUser(db.sql, project.id, "newcomer@example.com");
  await assign(keeper, "early");
  await asApp(db.sql, project.id, (tx) => updatePlan(tx, project.id, "early", { archived: true }));
  assert.equal((await claims(keeper)).plan, "early");
  await rejectsAs(assign(newcomer, "early"), "validation_failed", /archived/);
  assert.equal((await assign(keeper, "early")).plan, "early", "re-assigning the same plan is allowed");
});

Deno.test("token claims — status decides: past_due keeps the plan, canceled until period end, expired falls back", async () => {
  const user = await seedUser(db.sql, project.id, "status@example.com");
  await asApp(db.sql, project.id, (tx) =>
    assignPlan(tx, project.id, user, "pro", "payment", {
      start: "1999-01-01T00:00:00Z",
      end: "2999-01-01T00:00:00Z",
    }));
  const setStatus = (status: string, end: string | null = null) =>
    asApp(
      db.sql,
      project.id,
      (tx) =>
        tx`update astapa.subscriptions set status = ${status}, current_period_end = ${end}::timestamptz
           where project_id = ${project.id} and user_id = ${user} and ended_at is null`,
    );
  await setStatus("past_due");
  assert.equal((await claims(user)).plan, "pro");
  await setStatus("canceled", "2999-01-01T00:00:00Z");
  assert.equal((await claims(user)).plan, "pro");
  await setStatus("canceled", "2000-01-01T00:00:00Z");
  assert.equal((await claims(user)).plan, "free");
  await setStatus("expired");
  assert.equal((await claims(user)).plan, "free");
});

Deno.test("token claims — the plan's claims merge with the user's: flags united, the user's custom keys win", async () => {
  const user = await seedUser(db.sql, project.id, "merge@example.com");
  await patch(user, {
    role: "admin",
    feature_flags: ["beta_dashboard", "dark_mode"],
    tier: "platinum",
    team: "core",
  });
  await assign(user, "pro");
  assert.deepEqual(await claims(user), {
    plan: "pro",
    role: "admin",
    feature_flags: ["export_csv", "beta_dashboard", "dark_mode"],
    seats: 5,
    tier: "platinum",
    team: "core",
  });
  await assign(user, "free");
  assert.deepEqual(await claims(user), {
    plan: "free",
    role: "admin",
    feature_flags: ["beta_dashboard", "dark_mode"],
    tier: "platinum",
    team: "core",
  });
});

Deno.test("api.patch_user_claims — plan via assign_plan (null: the default), custom keys merge, null removes", async () => {
  const user = await seedUser(db.sql, project.id, "patch@example.com");
  assert.deepEqual(await patch(user, { plan: "team", company: { id: 7, tags: [null] } }), {
    plan: "team",
    feature_flags: [],
    company: { id: 7, tags: [null] },
  });
  const state = await asApp(db.sql, project.id, (tx) => currentSubscription(tx, project.id, user));
  assert.equal(state.subscription?.source, "claims_api");
  assert.deepEqual(await patch(user, { locale: "id-ID" }), {
    plan: "team",
    feature_flags: [],
    company: { id: 7, tags: [null] },
    locale: "id-ID",
  });
  assert.deepEqual(await patch(user, { company: null, plan: null, role: "owner" }), {
    plan: "free",
    role: "owner",
    feature_flags: [],
    locale: "id-ID",
  });
});

Deno.test("api.patch_user_claims — reserved names, wrong types, oversized: 400 per field and nothing changes", async () => {
  const user = await seedUser(db.sql, project.id, "refused@example.com");
  await patch(user, { role: "member", note: "keep" });
  const before = await claims(user);
  const fieldsOf = async (value: unknown) => {
    const error = toAppError(
      await patch(user, value as ClaimsPatch).then(() => assert.fail("expected a failure"), (e) => e),
    );
    assert.equal(error.code, "validation_failed");
    return error.fields!;
  };
  for (
    const name of ["sub", "iss", "aud", "exp", "iat", "nbf", "jti", "email", "email_verified", "project_id"]
  ) {
    const fields = await fieldsOf({ role: "admin", [name]: "x" });
    assert.deepEqual(Object.keys(fields), [name]);
    assert.match(fields[name][0], /reserved claim name/);
  }
  for (const name of ["client_id", "scope", "Sub", "custom_claims", "extra"]) {
    assert.deepEqual(Object.keys(await fieldsOf({ [name]: 1 })), [name]);
  }
  assert.deepEqual(
    Object.keys(await fieldsOf({ plan: 7, role: ["x"], feature_flags: "beta", "9lives": 1 })).sort(),
    [
      "9lives",
      "feature_flags",
      "plan",
      "role",
    ],
  );
  assert.deepEqual(Object.keys(await fieldsOf({ plan: "platinum", role: "admin" })), ["plan"]);
  assert.deepEqual(Object.keys(await fieldsOf({ blob: "x".repeat(5000) })), ["claims"]);
  // Each key within bounds, but together over 4 KiB with what is stored.
  await patch(user, { a: "x".repeat(2000) });
  assert.deepEqual(Object.keys(await fieldsOf({ b: "x".repeat(2100) })), ["claims"]);
  assert.deepEqual(await claims(user), { ...before, a: "x".repeat(2000) }, "nothing else changed");
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => patchUserClaims(tx, project.id, "999999", { role: "x" })),
    "not_found",
  );
});

Deno.test("events — a new user is a user.created event; NOTIFY astapa_events names the event and its project only", async () => {
  const events = await listenTo(db.sql, "astapa_events");
  try {
    const user = await seedUser(db.sql, project.id, "new-event@example.com");
    const named = JSON.parse(await events.heard("the new user's event"));
    assert.deepEqual(Object.keys(named).sort(), ["event_id", "project_id"], "no event data in the payload");
    assert.equal(named.project_id, project.id);
    const [event] = await asApp(
      db.sql,
      project.id,
      (tx) =>
        tx`select id::text, public_id, type, data from astapa.events where id = ${named.event_id}::bigint`,
    );
    assert.equal(event.type, "user.created");
    assert.match(event.public_id, /^evt_[a-z2-7]{24}$/);
    assert.equal(event.data.user.id, user);
    assert.equal(event.data.user.email, "new-event@example.com");
    // Built from the inserted row by the trigger, in the shape the API answers (astapa.user_json).
    const [{ now }] = await asApp(
      db.sql,
      project.id,
      (tx) => tx`select astapa.user_json(${project.id}, ${user}::bigint) as now`,
    );
    assert.deepEqual(event.data.user, now);
    assert.equal(event.data.user.mfa_enrolled, false);
  } finally {
    await events.unlisten();
  }
});
