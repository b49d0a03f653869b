/**
 * The Platform API's free trials (issue 23): a project's client starts a user's one trial of a plan, the
 * claims then carry trial_ends_at, a second trial is 409, and another project's user or a plan without a trial
 * is refused without a 5xx and without changing anything.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const project = await seedProject(t.db.sql, { name: "Shop" });
const other = await seedProject(t.db.sql, { name: "Neighbour" });
await asApp(
  t.db.sql,
  project.id,
  (tx) => createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99_000, trial_days: 14 }),
);
await asApp(
  t.db.sql,
  project.id,
  (tx) => createPlan(tx, project.id, { key: "team", name: "Team", price_idr: 300_000 }),
);

async function call(method: string, path: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

Deno.test("POST /api/platform/users/{sub}/trial — starts once; claims show trial_ends_at", async () => {
  const sub = await seedUser(t.db.sql, project.id, "trial@example.com");
  const before = Date.now();
  const started = await call("POST", `/api/platform/users/${sub}/trial`, project, { plan: "pro" });
  assert.equal(started.res.status, 201);
  assert.equal(started.body.status, "trialing");
  const ends = new Date(started.body.trial_ends_at).getTime();
  assert.ok(ends >= before + 14 * 86_400_000 && ends <= Date.now() + 14 * 86_400_000);
  const claims = await call("GET", `/api/platform/users/${sub}/claims`, project);
  assert.equal(claims.body.plan, "pro");
  assert.equal(claims.body.trial_ends_at, Math.floor(ends / 1000));
  const again = await call("POST", `/api/platform/users/${sub}/trial`, project, { plan: "pro" });
  assert.equal(again.res.status, 409);
  assert.equal(again.body.error, "conflict");
  const listed = await call("GET", `/api/platform/users/${sub}/trial`, project);
  assert.deepEqual(listed.body.trials.map((trial: { plan: string }) => trial.plan), ["pro"]);
});

Deno.test("POST /api/platform/users/{sub}/trial — refused: no trial, bad body, another project's user", async () => {
  const sub = await seedUser(t.db.sql, project.id, "refused@example.com");
  const noTrial = await call("POST", `/api/platform/users/${sub}/trial`, project, { plan: "team" });
  assert.equal(noTrial.res.status, 400);
  assert.ok(noTrial.body.fields.plan);
  const bad = await call("POST", `/api/platform/users/${sub}/trial`, project, { plan: "Pro!", extra: 1 });
  assert.equal(bad.res.status, 400);
  const foreign = await call("POST", `/api/platform/users/${sub}/trial`, other, { plan: "pro" });
  assert.equal(foreign.res.status, 404);
  const state = await call("GET", `/api/platform/users/${sub}/subscription`, project);
  assert.equal(state.body.plan, "free", "nothing changed");
});
