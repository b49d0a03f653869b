/**
 * Migration 4321 on a database with trials: each trialing account's mailbox and number are recorded under the
 * digests astapa.trial_address_digests computes (the migration spells the mailbox key out itself), once per
 * address and plan, and RLS is forced again. Migrations 4325, 4327 and 4343 copy the records under the keys their
 * new folds give.
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
    const user = async (email: string | null, phone: string | null, verified: boolean) => {
      const [row] = await db.sql`insert into astapa.users (project_id, email, phone_number, environment,
                                   email_verified, phone_number_verified)
                                 values (${PROJECT}, ${email}, ${phone}, 'production', ${verified && !!email},
                                         ${verified && !!phone}) returning id`;
      return row.id as string;
    };
    const trial = (userId: string, plan: string, startedDaysAgo: number) =>
      db.sql`insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
             values (${PROJECT}, ${userId}, ${plan}, now() - make_interval(days => ${startedDaysAgo}),
                     now() + interval '1 day')`;
    const accounts = [
      ["S.ari+Promo@GoogleMail.com", "+6281200000001", false],
      ["sari@gmail.com.", null, true], // the same mailbox as the first, verified: its record is kept
      [null, "+6281200000002", true],
      ["budi@toko.example", null, false],
    ] as const;
    const ids = [];
    for (const [email, phone, verified] of accounts) ids.push(await user(email, phone, verified));
    await trial(ids[0], "pro", 10);
    await trial(ids[1], "pro", 5);
    await trial(ids[1], "max", 5);
    await trial(ids[2], "pro", 3);
    await trial(ids[3], "max", 1);

    const applied = (await migrate(db.sql, MIGRATIONS_DIR)).map((m) => m.version);
    assert.ok(applied.includes(FIRST), "4321 ran on this database");
    const held = await db
      .sql`select plan_key, address_digest, verified, started_at from astapa.trial_addresses
                              order by plan_key, address_digest`;
    const expected = await db.sql`
      select distinct on (t.plan_key, d.address_digest) t.plan_key, d.address_digest, d.verified, t.started_at
      from astapa.trials as t
      cross join lateral astapa.user_trial_addresses(t.project_id, t.user_id) as d
      order by t.plan_key, d.address_digest, d.verified desc, t.started_at`;
    assert.equal(held.length, 5, "pro: sari, her number, the second number; max: sari, budi");
    assert.deepEqual(
      held.filter((r) => r.verified).map((r) => r.plan_key),
      ["max", "pro", "pro"],
      "sari's verified account's records (pro and max) and the verified second number's",
    );
    assert.deepEqual(held.map((r) => ({ ...r })), expected.map((r) => ({ ...r })));
    const [forced] = await db.sql`select bool_and(relforcerowsecurity) as forced from pg_catalog.pg_class
      where oid in ('astapa.trials'::regclass, 'astapa.users'::regclass, 'astapa.trial_addresses'::regclass)`;
    assert.equal(forced.forced, true, "RLS forced again");
  } finally {
    await db.close();
  }
});

Deno.test("migration 4325 — each trial address record takes its account's environment; @me.com ones are also @icloud.com", async () => {
  const db = await databaseBefore("4325");
  const project = "proj_trialaddressenvs";
  try {
    await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash, mode)
                 values (${project}, 'Trials', ${"cid_".padEnd(28, "e")}, sha256('secret'), 'production')`;
    await db.sql`insert into astapa.plans (project_id, key, name, price_idr, trial_days)
                 values (${project}, 'pro', 'Pro', 99000, 14)`;
    const digest = (address: string) =>
      db.sql`select sha256(convert_to(${project} || ' ' || ${address}, 'UTF8')) as d`.then((r) =>
        r[0].d as Uint8Array
      );
    // An account's trial and the record api.start_trial made of it (the same start and end).
    const trialOf = async (email: string, environment: string, daysAgo: number) => {
      const [u] = await db.sql`insert into astapa.users (project_id, email, environment, email_verified)
                               values (${project}, ${email}, ${environment}, true) returning id`;
      await db.sql`insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
        values (${project}, ${u.id}, 'pro', now() - make_interval(days => ${daysAgo}), now() + interval '1 day')`;
      await db
        .sql`insert into astapa.trial_addresses (project_id, plan_key, address_digest, verified, started_at,
                                                       ends_at)
                   select ${project}, 'pro', ${await digest(`mailto:${email}`)}, true, t.started_at, t.ends_at
                   from astapa.trials as t where t.project_id = ${project} and t.user_id = ${u.id}`;
    };
    await trialOf("intan@toko.example", "sandbox", 5);
    await trialOf("budi@toko.example", "production", 4);
    await trialOf("dewi@me.com", "production", 3);
    // A record whose trial is no longer there (its start and end match none): the project's mode.
    await db
      .sql`insert into astapa.trial_addresses (project_id, plan_key, address_digest, verified, started_at,
                                                     ends_at)
                 values (${project}, 'pro', ${await digest(
      "tel:+6281200000009",
    )}, true, now() - interval '9 days',
                         now() - interval '2 days')`;

    const applied = (await migrate(db.sql, MIGRATIONS_DIR)).map((m) => m.version);
    assert.ok(applied.includes("4325"), "4325 ran on this database");
    const held = await db.sql`select environment, address_digest from astapa.trial_addresses
                              where project_id = ${project} order by environment, started_at, address_digest`;
    const expected = [
      ["production", "tel:+6281200000009"],
      ["production", "mailto:budi@toko.example"],
      ["production", "mailto:dewi@icloud.com"],
      ["production", "mailto:dewi@me.com"],
      ["sandbox", "mailto:intan@toko.example"],
    ];
    const named = [];
    for (const [environment, address] of expected) {
      named.push({ environment, address_digest: await digest(address) });
    }
    const sorted = (rows: { environment: string; address_digest: Uint8Array }[]) =>
      rows.map((r) => [r.environment, Array.from(r.address_digest).join(",")]).sort();
    assert.deepEqual(sorted(held.map((r) => ({ ...r }) as never)), sorted(named));
    const [forced] = await db.sql`select bool_and(relforcerowsecurity) as forced from pg_catalog.pg_class
      where oid in ('astapa.trials'::regclass, 'astapa.users'::regclass, 'astapa.projects'::regclass,
        'astapa.trial_addresses'::regclass)`;
    assert.equal(forced.forced, true, "RLS forced again");
  } finally {
    await db.close();
  }
});

Deno.test("migration 4327 — records of Proton and Fastmail subdomain addresses are also held by their mailbox", async () => {
  const db = await databaseBefore("4327");
  const project = "proj_trialaddressfold";
  try {
    await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash, mode)
                 values (${project}, 'Trials', ${"cid_".padEnd(28, "f")}, sha256('secret'), 'production')`;
    await db.sql`insert into astapa.plans (project_id, key, name, price_idr, trial_days)
                 values (${project}, 'pro', 'Pro', 99000, 14)`;
    const digest = (address: string) =>
      db.sql`select sha256(convert_to(${project} || ' ' || ${address}, 'UTF8')) as d`.then((r) =>
        r[0].d as Uint8Array
      );
    // An account's trial and the record api.start_trial made of it under the key before 4327.
    const trialOf = async (email: string, key: string, environment: string, daysAgo: number) => {
      const [u] = await db.sql`insert into astapa.users (project_id, email, environment, email_verified)
                               values (${project}, ${email}, ${environment}, true) returning id`;
      await db.sql`insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
        values (${project}, ${u.id}, 'pro', now() - make_interval(days => ${daysAgo}), now() + interval '1 day')`;
      await db
        .sql`insert into astapa.trial_addresses (project_id, environment, plan_key, address_digest, verified,
                                                       started_at, ends_at)
                   select ${project}, ${environment}, 'pro', ${await digest(
        `mailto:${key}`,
      )}, true, t.started_at,
                          t.ends_at
                   from astapa.trials as t where t.project_id = ${project} and t.user_id = ${u.id}`;
    };
    await trialOf("Rina+shop@PM.me", "rina@pm.me", "production", 5);
    await trialOf("tono@protonmail.ch", "tono@protonmail.ch", "sandbox", 4);
    await trialOf("toko@joko.fastmail.com", "toko@joko.fastmail.com", "production", 3);
    await trialOf("budi@toko.example", "budi@toko.example", "production", 2);

    const applied = (await migrate(db.sql, MIGRATIONS_DIR)).map((m) => m.version);
    assert.ok(applied.includes("4327"), "4327 ran on this database");
    const held = await db.sql`select environment, address_digest from astapa.trial_addresses
                              where project_id = ${project}`;
    const expected = [
      ["production", "mailto:rina@pm.me"],
      ["production", "mailto:rina@proton.me"],
      ["sandbox", "mailto:tono@protonmail.ch"],
      ["sandbox", "mailto:tono@proton.me"],
      ["production", "mailto:toko@joko.fastmail.com"],
      ["production", "mailto:joko@fastmail.com"],
      ["production", "mailto:budi@toko.example"],
    ];
    const named = [];
    for (const [environment, address] of expected) {
      named.push([environment, Array.from(await digest(address)).join(",")]);
    }
    assert.deepEqual(
      held.map((r) => [r.environment, Array.from(r.address_digest as Uint8Array).join(",")]).sort(),
      named.sort(),
    );
    const [forced] = await db.sql`select bool_and(relforcerowsecurity) as forced from pg_catalog.pg_class
      where oid in ('astapa.users'::regclass, 'astapa.trial_addresses'::regclass)`;
    assert.equal(forced.forced, true, "RLS forced again");
  } finally {
    await db.close();
  }
});

Deno.test("migration 4343 — records of dotted Proton usernames and of Yandex's other domains are also held by their mailbox", async () => {
  const db = await databaseBefore("4343");
  const project = "proj_trialaddressyndx";
  try {
    await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash, mode)
                 values (${project}, 'Trials', ${"cid_".padEnd(28, "y")}, sha256('secret'), 'production')`;
    await db.sql`insert into astapa.plans (project_id, key, name, price_idr, trial_days)
                 values (${project}, 'pro', 'Pro', 99000, 14)`;
    const digest = (address: string) =>
      db.sql`select sha256(convert_to(${project} || ' ' || ${address}, 'UTF8')) as d`.then((r) =>
        r[0].d as Uint8Array
      );
    // An account's trial and the record api.start_trial made of it under the key before 4343.
    const trialOf = async (email: string, key: string, environment: string, daysAgo: number) => {
      const [u] = await db.sql`insert into astapa.users (project_id, email, environment, email_verified)
                               values (${project}, ${email}, ${environment}, true) returning id`;
      await db.sql`insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
        values (${project}, ${u.id}, 'pro', now() - make_interval(days => ${daysAgo}), now() + interval '1 day')`;
      await db
        .sql`insert into astapa.trial_addresses (project_id, environment, plan_key, address_digest, verified,
                                                       started_at, ends_at)
                   select ${project}, ${environment}, 'pro', ${await digest(
        `mailto:${key}`,
      )}, true, t.started_at,
                          t.ends_at
                   from astapa.trials as t where t.project_id = ${project} and t.user_id = ${u.id}`;
    };
    await trialOf("Rina.Putri+shop@PM.me", "rina.putri@proton.me", "production", 5);
    await trialOf("tono_s@proton.me", "tono_s@proton.me", "sandbox", 4);
    await trialOf("ivan.p@Ya.ru", "ivan.p@ya.ru", "production", 3);
    await trialOf("olga@yandex.com.tr", "olga@yandex.com.tr", "sandbox", 3);
    await trialOf("petr@yandex.ru", "petr@yandex.ru", "production", 2);
    await trialOf("joko@proton.me", "joko@proton.me", "production", 2);
    await trialOf("budi.s@toko.example", "budi.s@toko.example", "production", 1);

    const applied = (await migrate(db.sql, MIGRATIONS_DIR)).map((m) => m.version);
    assert.ok(applied.includes("4343"), "4343 ran on this database");
    const held = await db.sql`select environment, address_digest from astapa.trial_addresses
                              where project_id = ${project}`;
    const expected = [
      ["production", "mailto:rina.putri@proton.me"],
      ["production", "mailto:rinaputri@proton.me"],
      ["sandbox", "mailto:tono_s@proton.me"],
      ["sandbox", "mailto:tonos@proton.me"],
      ["production", "mailto:ivan.p@ya.ru"],
      ["production", "mailto:ivan.p@yandex.ru"],
      ["sandbox", "mailto:olga@yandex.com.tr"],
      ["sandbox", "mailto:olga@yandex.ru"],
      ["production", "mailto:petr@yandex.ru"],
      ["production", "mailto:joko@proton.me"],
      ["production", "mailto:budi.s@toko.example"],
    ];
    const named = [];
    for (const [environment, address] of expected) {
      named.push([environment, Array.from(await digest(address)).join(",")]);
    }
    assert.deepEqual(
      held.map((r) => [r.environment, Array.from(r.address_digest as Uint8Array).join(",")]).sort(),
      named.sort(),
    );
    const [forced] = await db.sql`select bool_and(relforcerowsecurity) as forced from pg_catalog.pg_class
      where oid in ('astapa.users'::regclass, 'astapa.trial_addresses'::regclass)`;
    assert.equal(forced.forced, true, "RLS forced again");
  } finally {
    await db.close();
  }
});
