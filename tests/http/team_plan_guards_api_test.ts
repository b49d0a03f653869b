/**
 * A team plan never ends up on a person through the Platform API (issue 28): neither a plan change of a paying
 * user nor a trial may choose one; both answer 400 with the checkout's wording and the plan field, nothing
 * changes, and a personal plan still goes through. The claims API cannot assign one either, and a plan a person
 * holds cannot become one.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const DAY = 86_400_000;
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, async (tx) => {
  await createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99_000 });
  await createPlan(tx, project.id, { key: "basic", name: "Basic", price_idr: 49_000 });
  await createPlan(tx, project.id, { key: "seat", name: "Seat", price_idr: 50_000, trial_days: 14 });
  await createPlan(tx, project.id, { key: "crew", name: "Crew", price_idr: 300_000, trial_days: 14 });
  await tx`select api.set_plan_seats(${project.id}, 'seat', 'per_seat')`;
  await tx`select api.set_plan_seats(${project.id}, 'crew', 'flat', 5)`;
});

async function call(method: string, path: string, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: {
      authorization: basic(project.clientId, project.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

function assertTeamPlanRefused(answer: { res: Response; body: Record<string, unknown> }, plan: string) {
  assert.equal(answer.res.status, 400);
  assert.equal(answer.body.error, "validation_failed");
  assert.equal(answer.body.error_description, `Plan ${plan} is a team plan: buy it for an organization.`);
  assert.deepEqual(answer.body.fields, { plan: ["A team plan: buy it for an organization."] });
}

Deno.test("POST /api/platform/users/{sub}/plan-change — a team plan is 400; a personal plan still changes", async () => {
  const sub = await seedUser(t.db.sql, project.id, "payer@example.com");
  const start = new Date(Date.now() - 10 * DAY);
  await asApp(t.db.sql, project.id, (tx) =>
    assignPlan(tx, project.id, sub, "pro", "payment", {
      start: start.toISOString(),
      end: new Date(start.getTime() + 30 * DAY).toISOString(),
    }));
  for (const plan of ["seat", "crew"]) {
    assertTeamPlanRefused(await call("POST", `/api/platform/users/${sub}/plan-change`, { plan }), plan);
  }
  assert.deepEqual((await call("GET", `/api/platform/users/${sub}/plan-change`)).body.changes, []);
  assert.equal((await call("GET", `/api/platform/users/${sub}/subscription`)).body.plan, "pro");
  const downgrade = await call("POST", `/api/platform/users/${sub}/plan-change`, { plan: "basic" });
  assert.equal(downgrade.res.status, 201);
  assert.deepEqual([downgrade.body.change.to_plan, downgrade.body.change.kind], ["basic", "scheduled"]);
});

Deno.test("POST /api/platform/users/{sub}/trial — a team plan offering a trial is 400; nothing started", async () => {
  const sub = await seedUser(t.db.sql, project.id, "trier@example.com");
  for (const plan of ["seat", "crew"]) {
    assertTeamPlanRefused(await call("POST", `/api/platform/users/${sub}/trial`, { plan }), plan);
  }
  assert.deepEqual((await call("GET", `/api/platform/users/${sub}/trial`)).body.trials, []);
  assert.equal((await call("GET", `/api/platform/users/${sub}/subscription`)).body.plan, "free");
});

Deno.test("PATCH /api/platform/users/{sub}/claims — a team plan as the plan is 400; a personal plan still goes on", async () => {
  const sub = await seedUser(t.db.sql, project.id, "claims@example.com");
  for (const plan of ["seat", "crew"]) {
    assertTeamPlanRefused(await call("PATCH", `/api/platform/users/${sub}/claims`, { plan }), plan);
  }
  assert.equal((await call("GET", `/api/platform/users/${sub}/subscription`)).body.plan, "free");
  const personal = await call("PATCH", `/api/platform/users/${sub}/claims`, { plan: "pro" });
  assert.equal(personal.res.status, 200);
  assert.equal((await call("GET", `/api/platform/users/${sub}/subscription`)).body.plan, "pro");
});

Deno.test("PUT /api/platform/plans/{key}/seats — a plan a person holds cannot become a team plan (409)", async () => {
  const sub = await seedUser(t.db.sql, project.id, "holder@example.com");
  assert.equal((await call("PATCH", `/api/platform/users/${sub}/claims`, { plan: "basic" })).res.status, 200);
  const refused = await call("PUT", "/api/platform/plans/basic/seats", { seat_pricing: "per_seat" });
  assert.equal(refused.res.status, 409);
  assert.match(refused.body.error_description, /Plan basic is held by people/);
  assert.equal((await call("GET", "/api/platform/plans/basic")).body.seat_pricing, null);
});
