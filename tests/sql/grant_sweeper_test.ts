import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { issueCode, redeemCode, seedProject, seedUser } from "../helpers/oauth.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const sweep = () =>
  asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as swept`)[0].swept);

Deno.test("api.sweep_grants — old expired codes and week-dead families go; live and recent ones stay", async () => {
  const project = await seedProject(db.sql);
  const user = await seedUser(db.sql, project.id);
  const oldCode = await issueCode(db.sql, project, { userId: user });
  const freshCode = await issueCode(db.sql, project, { userId: user });
  await db.sql`update astapa.authorization_codes set created_at = now() - interval '3 days',
                 expires_at = now() - interval '3 days' + interval '60 seconds' where code_hash = ${await sha256(
    oldCode,
  )}`;
  const redeem = (code: string, refresh: string) => redeemCode(db.sql, project, code, refresh);
  await redeem(freshCode, "live-family");
  const deadCode = await issueCode(db.sql, project, { userId: user });
  await redeem(deadCode, "dead-family");
  await db.sql`update astapa.refresh_tokens set revoked_at = now() - interval '8 days',
                 created_at = now() - interval '9 days' where token_hash = ${await sha256("dead-family")}`;

  const none = {
    dynamic_clients: 0,
    client_metadata_documents: 0,
    abandoned_sign_ups: 0,
    dpop_proofs: 0,
    impersonations: 0,
    abandoned_guests: 0,
    sso_sign_ins: 0,
    held_social_sign_ups: 0,
  };
  assert.deepEqual(await sweep(), { authorization_codes: 1, refresh_tokens: 1, ...none });
  const left = await db.sql`select token_hash from astapa.refresh_tokens`;
  assert.equal(left.length, 1);
  assert.deepEqual(new Uint8Array(left[0].token_hash), await sha256("live-family"));
  assert.deepEqual(
    await sweep(),
    { authorization_codes: 0, refresh_tokens: 0, ...none },
    "nothing more to sweep",
  );
});

Deno.test("api.sweep_grants — refused while acting for a project (AS403); the app role still cannot delete", async () => {
  const project = await seedProject(db.sql);
  await assert.rejects(
    () => asApp(db.sql, project.id, (tx) => tx`select api.sweep_grants()`),
    (e: { code?: string }) => e.code === "AS403",
  );
  await assert.rejects(
    () =>
      asApp(db.sql, null, async (tx) => {
        await tx`select set_config('astapa.sweep_grants', 'on', true)`;
        await tx`delete from astapa.refresh_tokens`;
      }),
    /permission denied/,
  );
});

const whenDue = (every?: string) =>
  asApp(
    db.sql,
    null,
    async (tx) =>
      (every === undefined
        ? await tx`select api.sweep_grants_when_due() as swept`
        : await tx`select api.sweep_grants_when_due(${every}::interval) as swept`)[0].swept,
  );

Deno.test("api.sweep_grants_when_due — one sweep in its interval: the next asks are not due; a zero interval sweeps", async () => {
  const first = await whenDue();
  assert.equal(first.skipped, undefined, "never swept: this one sweeps");
  assert.equal(typeof first.refresh_tokens, "number");
  const [{ at }] = await db
    .sql`select last_started_at as at from astapa.maintenance_runs where job = 'sweep_grants'`;
  const second = await whenDue();
  assert.equal(second.skipped, "not due");
  assert.equal(new Date(second.last_started_at).getTime(), at.getTime(), "when the one that ran started");
  assert.equal((await whenDue("1 minute")).skipped, "not due");
  assert.equal((await whenDue("0")).skipped, undefined, "due again after its interval");
});

Deno.test("api.sweep_grants_when_due — while another instance sweeps, it skips at once instead of waiting", async () => {
  await db.sql.begin(async (running) => {
    // The other instance's sweep holds the job's row until its transaction ends.
    await running`select from astapa.maintenance_runs where job = 'sweep_grants' for update`;
    assert.deepEqual(await whenDue("0"), { skipped: "running elsewhere" });
  });
  assert.equal((await whenDue("0")).skipped, undefined, "free again once it committed");
});

Deno.test("api.sweep_grants_when_due — refused inside a project (AS403) or with a negative interval (AS400); the app role cannot touch its table", async () => {
  const project = await seedProject(db.sql);
  await assert.rejects(
    () => asApp(db.sql, project.id, (tx) => tx`select api.sweep_grants_when_due()`),
    (e: { code?: string }) => e.code === "AS403",
  );
  await assert.rejects(() => whenDue("-1 hour"), (e: { code?: string }) => e.code === "AS400");
  for (
    const statement of [
      "select * from astapa.maintenance_runs",
      "update astapa.maintenance_runs set job = job",
    ]
  ) {
    await assert.rejects(
      () => asApp(db.sql, null, (tx) => tx.unsafe(statement)),
      /permission denied/,
      statement,
    );
  }
});
