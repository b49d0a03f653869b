/**
 * Migration 4321 on a database with trials: each trialing account's mailbox and number are recorded under the
 * digests astapa.trial_address_digests computes (the migration spells the mailbox key out itself), once per
 * address and plan, and RLS is forced again.
 */
import assert from "node:assert/strict";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { databaseBefore } from "../helpers/migrations.ts";

const FIRST = "4321";
const PROJECT = "proj_trialaddresstria";

Deno.test("migration 4321 — the trials so far are held by their accounts' addresses", async () => {
  const db = await databaseBefore(FIRST);
  try {
    await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash)
                 values (${PROJECT}, 'Trials', ${"cid_".padEnd(28, "t")}, sha256('secret'))`;
    await db.sql`insert into astapa.plans (project_id, key, name, price_idr, trial_days)
                 values (${PROJECT}, 'pro', 'Pro', 99000, 14), (${PROJECT}, 'max', 'Max', 199000, 7)`;
    const user = async (email: string | null, phone: string | null) => {
      const [row] = await db.sql`insert into astapa.users (project_id, email, phone_number, environment)
                                 values (${PROJECT}, ${email}, ${phone}, 'production') returning id`;
      return row.id as string;
    };
    const trial = (userId: string, plan: string, startedDaysAgo: number) =>
      db.sql`insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
             values (${PROJECT}, ${userId}, ${plan}, now() - make_interval(days => ${startedDaysAgo}),
                     now() + interval '1 day')`;
    const accounts = [
      ["S.ari+Promo@GoogleMail.com", "+6281200000001"],
      ["sari@gmail.com.", null], // the same mailbox as the first: one row per plan
      [null, "+6281200000002"],
      ["budi@toko.example", null],
    ] as const;
    const ids = [];
    for (const [email, phone] of accounts) ids.push(await user(email, phone));
    await trial(ids[0], "pro", 10);
    await trial(ids[1], "pro", 5);
    await trial(ids[1], "max", 5);
    await trial(ids[2], "pro", 3);
    await trial(ids[3], "max", 1);

    const applied = (await migrate(db.sql, MIGRATIONS_DIR)).map((m) => m.version);
    assert.ok(applied.includes(FIRST), "4321 ran on this database");
    const held = await db.sql`select plan_key, address_digest, started_at from astapa.trial_addresses
                              order by plan_key, address_digest`;
    const expected = await db.sql`
      select distinct on (t.plan_key, d.digest) t.plan_key, d.digest as address_digest, t.started_at
      from astapa.trials as t
      join astapa.users as u on u.project_id = t.project_id and u.id = t.user_id
      cross join lateral pg_catalog.unnest(astapa.trial_address_digests(u.project_id, u.email, u.phone_number))
        as d(digest)
      order by t.plan_key, d.digest, t.started_at`;
    assert.equal(held.length, 5, "pro: sari, her number, the second number; max: sari, budi");
    assert.deepEqual(held.map((r) => ({ ...r })), expected.map((r) => ({ ...r })));
    const [forced] = await db.sql`select bool_and(relforcerowsecurity) as forced from pg_catalog.pg_class
      where oid in ('astapa.trials'::regclass, 'astapa.users'::regclass, 'astapa.trial_addresses'::regclass)`;
    assert.equal(forced.forced, true, "RLS forced again");
  } finally {
    await db.close();
  }
});
