/** Races end in exactly one consistent state, asserted on the rows themselves. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan, currentSubscription } from "@/db/plans.ts";
import { testApp } from "../helpers/app.ts";
import { basic, issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("races — 50 concurrent refreshes of one token: one successor, nothing revoked", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const code = await issueCode(t.db.sql, project, { userId });
  const { body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      postForm(t, "/api/platform/token", {
        grant_type: "refresh_token",
        refresh_token: body.refresh_token,
        ...credentials(project),
      })),
  );
  assert.deepEqual([...new Set(results.map((r) => r.res.status))], [200]);
  assert.equal(new Set(results.map((r) => r.body.refresh_token)).size, 1);
  const rows = await t.db
    .sql`select id, parent_id, used_at is not null as used, revoked_at is not null as revoked
                              from astapa.refresh_tokens where project_id = ${project.id} order by id`;
  assert.equal(rows.length, 2, "the original and exactly one successor");
  assert.deepEqual({ ...rows[0], id: 0 }, { id: 0, parent_id: null, used: true, revoked: false });
  assert.deepEqual({ ...rows[1], id: 0 }, { id: 0, parent_id: rows[0].id, used: false, revoked: false });
});

Deno.test("races — 20 concurrent redemptions of one code: one wins, the rest fail, the winner is revoked", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const code = await issueCode(t.db.sql, project, { userId });
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      postForm(t, "/api/platform/token", {
        grant_type: "authorization_code",
        code,
        redirect_uri: project.redirectUri,
        ...credentials(project),
      })),
  );
  const winners = results.filter((r) => r.res.status === 200);
  assert.equal(winners.length, 1, "exactly one redemption succeeds");
  assert.ok(results.filter((r) => r.res.status !== 200).every((r) => r.body.error === "invalid_grant"));
  const rows = await t.db.sql`select count(*)::int as families, count(revoked_at)::int as revoked
                              from astapa.refresh_tokens where project_id = ${project.id}`;
  assert.deepEqual({ ...rows[0] }, { families: 1, revoked: 1 }, "a replayed code revokes what it issued");
});

Deno.test("races — 20 concurrent plan changes for one user: one current row, a gapless history, tokens agree", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const keys = ["bronze", "silver", "gold", "platinum"];
  await asApp(t.db.sql, project.id, async (tx) => {
    for (const key of keys) await createPlan(tx, project.id, { key, name: key, claims: { tier: key } });
  });
  const code = await issueCode(t.db.sql, project, { userId });
  const { body: tokens } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  // Half through the Claims API over HTTP, half straight into api.assign_plan as the dashboard does.
  const changes = Array.from({ length: 20 }, (_, i) => keys[i % keys.length]);
  const results = await Promise.all(changes.map(async (plan, i) => {
    if (i % 2 === 0) {
      const res = await t.app.request(`/api/platform/users/${userId}/claims`, {
        method: "PATCH",
        headers: {
          authorization: basic(project.clientId, project.secret),
          "content-type": "application/json",
        },
        body: JSON.stringify({ plan }),
      });
      return { status: res.status, plan: (await res.json()).plan };
    }
    const row = await asApp(
      t.db.sql,
      project.id,
      (tx) => assignPlan(tx, project.id, userId, plan, "dashboard"),
    );
    return { status: 200, plan: row.plan };
  }));
  assert.deepEqual(results.map((r) => r.status), changes.map(() => 200), "every change succeeds");
  assert.deepEqual(results.map((r) => r.plan), changes, "each caller is told the plan it asked for");

  const rows = await t.db.sql`select id, plan_key, current_period_start, ended_at, created_at
                              from astapa.subscriptions where project_id = ${project.id} and user_id = ${userId}
                              order by id`;
  const current = rows.filter((row) => row.ended_at === null);
  assert.equal(current.length, 1, "exactly one current subscription");
  assert.equal(current[0].id, rows.at(-1)!.id, "the current row is the newest");
  assert.ok(rows.length >= 2 && rows.length <= 20, `one row per effective change, got ${rows.length}`);
  for (let i = 1; i < rows.length; i++) {
    const [before, after] = [rows[i - 1], rows[i]];
    assert.notEqual(before.plan_key, after.plan_key, "a repeat of the current plan adds no row");
    assert.ok(before.ended_at !== null, "every earlier row is ended");
    assert.ok(before.current_period_start <= before.ended_at, `row ${before.id} ends after it starts`);
    assert.ok(
      before.ended_at <= after.current_period_start,
      `row ${before.id} ends before ${after.id} starts`,
    );
  }

  const { body: refreshed } = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
    ...credentials(project),
  });
  const claims = claimsOf(refreshed.access_token).custom_claims as Record<string, unknown>;
  assert.equal(claims.plan, current[0].plan_key, "the token names the current row's plan");
  assert.equal(claims.tier, current[0].plan_key, "and carries that plan's claims");
  const state = await asApp(t.db.sql, project.id, (tx) => currentSubscription(tx, project.id, userId));
  assert.equal(state.plan, current[0].plan_key);
  assert.equal(state.history.length, rows.length - 1);
});
