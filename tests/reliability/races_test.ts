/** Races end in exactly one consistent state, asserted on the rows themselves. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { credentials, postForm } from "../helpers/token_client.ts";

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
