/**
 * `astapa master-key reseal` (lib/tokens/reseal.ts): after a change of master key, one value of every sealed kind
 * made under the old key is sealed again under the new one, and then opens — through the code that reads it —
 * with the old key no longer listed; a second run re-seals nothing; a dry run writes nothing; a value no listed
 * key opens is reported by its row's id and fails the command without stopping the others; a value the app
 * changes between the reseal's read and its write stays the app's. And the reseal knows every `seal(` call site.
 */
import assert from "node:assert/strict";
import { loadConfig } from "@/config.ts";
import { asApp } from "@/db/client.ts";
import { sealedValues } from "@/db/sealed_values.ts";
import { deriveMasterKeys, loadMasterKeys } from "@/lib/tokens/master_key.ts";
import { type KindCount, resealAll } from "@/lib/tokens/reseal.ts";
import { SEAL_CALLS, SEALED_KINDS } from "@/lib/tokens/sealed_kinds.ts";
import { sealTotpSecret, storedContext } from "@/lib/login/factors/totp.ts";
import { sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { hex } from "@/lib/secrets.ts";
import { rotateWebhookEndpointSecret } from "@/db/webhook_endpoints.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { pausingPool } from "../helpers/pausing_pool.ts";
import { run } from "../helpers/process.ts";
import { openEveryKind, sealEveryKind } from "./sealed_values.ts";

const OLD = "old-master-secret-".padEnd(44, "o");
const NEW = "new-master-secret-".padEnd(44, "n");
const STRANGER = "a-key-nobody-listed-".padEnd(44, "s");

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const keysOf = (env: Record<string, string>) => loadMasterKeys(loadConfig(env));
const old = await deriveMasterKeys(OLD);
const rotated = await keysOf({ ASTAPA_MASTER_KEY: NEW, ASTAPA_MASTER_KEY_PREVIOUS: OLD });
const newOnly = await keysOf({ ASTAPA_MASTER_KEY: NEW });

/** Every sealed value of every project as stored, by kind: what a dry run must leave as it was. */
async function everySealedValue(): Promise<Record<string, string[]>> {
  const [{ ids }] = await db.sql`select array_agg(id order by id) as ids from astapa.projects`;
  const all: Record<string, string[]> = {};
  for (const kind of SEALED_KINDS) {
    all[kind.name] = [];
    for (const project of kind.deployment ? [null] : ids as string[]) {
      const rows = await asApp(db.sql, project, (tx) => sealedValues(tx, kind.name, null, 1000));
      all[kind.name].push(...rows.map((row) => `${project} ${row.id} ${row.sealed}`));
    }
  }
  return all;
}

const byKind = (counts: KindCount[]) => Object.fromEntries(counts.map(({ kind, ...count }) => [kind, count]));

const project = await seedProject(db.sql, { name: "Sealed under the old key" });
const sealed = await sealEveryKind(db.sql, old, project.id);

Deno.test("master-key reseal — every kind sealed under the old key opens under the new key alone afterwards", async () => {
  // Without the old key listed, they do not open (the reason the command exists).
  await assert.rejects(openEveryKind(db.sql, newOnly, sealed));

  const before = await everySealedValue();
  const dry = await resealAll(db.sql, rotated, { dryRun: true });
  assert.equal(dry.dryRun, true);
  for (const count of dry.kinds) {
    assert.deepEqual([count.current, count.unopenable], [0, []], count.kind);
    assert.ok(count.resealed >= 1, `a dry run counts ${count.kind}'s value to reseal`);
  }
  assert.deepEqual(await everySealedValue(), before, "a dry run writes nothing");
  const resealedEntries = () =>
    db.sql`select actor, details from astapa.audit_log
      where project_id = ${project.id} and action = 'project.secrets_resealed' order by id`;
  assert.equal((await resealedEntries()).length, 0, "nor audits");

  const report = await resealAll(db.sql, rotated, { batchSize: 2 });
  assert.deepEqual(byKind(report.kinds), byKind(dry.kinds), "the run does what the dry run said");
  await openEveryKind(db.sql, newOnly, sealed);
  // The project's audit log says which of its kinds were sealed anew and how many, as the CLI.
  const entries = await resealedEntries();
  assert.ok(entries.length > 0 && entries.every((e) => e.actor === "cli"));
  const audited: Record<string, number> = {};
  for (const { details } of entries) audited[details.kind] = (audited[details.kind] ?? 0) + details.count;
  for (const kind of SEALED_KINDS.filter((k) => !k.deployment)) {
    assert.ok(audited[kind.name] >= 1, `${kind.name} audited`);
  }

  const again = await resealAll(db.sql, rotated);
  for (const count of again.kinds) {
    assert.deepEqual(
      [count.resealed, count.changed, count.unopenable, count.current],
      [0, 0, [], byKind(report.kinds)[count.kind].resealed],
      `a second run finds ${count.kind} current`,
    );
  }
});

Deno.test("master-key reseal — a value no listed key opens is named by its row, fails the command, and the rest still reseals", async () => {
  const other = await seedProject(db.sql, { name: "Half under a stranger's key" });
  const user = await seedUser(db.sql, other.id, "stranger@example.com");
  const stranger = await deriveMasterKeys(STRANGER);
  const secret = "JBSWY3DPEHPK3PXP";
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
    values (${other.id}, ${user}, 'totp', ${await sealTotpSecret(
    old.factors,
    secret,
    storedContext(other.id, user),
  )}, now())`;
  const webhook = await sealWebhookSecret(stranger.sealing, other.id, "whsec_" + btoa("stranger".repeat(4)));
  const [endpoint] = await asApp(
    db.sql,
    other.id,
    (tx) =>
      tx`select api.create_webhook_endpoint(${other.id}, 'https://hooks.example/stranger', ${webhook}) ->> 'id' as id`,
  );

  // The command as an operator runs it: exit 1, the row named, never the value.
  const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: NEW, ASTAPA_MASTER_KEY_PREVIOUS: OLD };
  const result = await run(["cli.ts", "master-key", "reseal", "--json"], env);
  assert.equal(result.code, 1, result.stderr);
  const report = byKind(JSON.parse(result.stdout).kinds);
  assert.deepEqual(report.webhook_secret.unopenable, [`${other.id} ${endpoint.id}`]);
  assert.equal(report.totp_secret.resealed, 1, "the other project's old value was still resealed");
  assert.ok(!result.stdout.includes(hex(webhook)), "never the sealed value");

  const human = await run(["cli.ts", "master-key", "reseal"], env);
  assert.equal(human.code, 1);
  assert.match(
    human.stdout,
    new RegExp(`webhook_secret\\s+0 resealed, 1 current, 1 unopenable: ${other.id} ${endpoint.id}`),
  );
  assert.match(human.stdout, /open with no key listed/);
  const [factor] = await db.sql`select secret_sealed from astapa.user_factors where project_id = ${other.id}`;
  assert.ok(factor.secret_sealed, "kept");
  await db.sql`delete from astapa.webhook_endpoints where project_id = ${other.id}`;
  const clean = await run(["cli.ts", "master-key", "reseal"], env);
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /ASTAPA_MASTER_KEY_PREVIOUS can go/);
});

Deno.test("master-key reseal — a secret the app rotates between the read and the write stays the app's", async () => {
  const racing = await seedProject(db.sql, { name: "Rotates its webhook secret mid-reseal" });
  const first = await sealWebhookSecret(old.sealing, racing.id, "whsec_" + btoa("first-secret".repeat(3)));
  const [endpoint] = await asApp(
    db.sql,
    racing.id,
    (tx) =>
      tx`select api.create_webhook_endpoint(${racing.id}, 'https://hooks.example/race', ${first}) ->> 'id' as id`,
  );
  const rotatedByApp = await sealWebhookSecret(
    rotated.sealing,
    racing.id,
    "whsec_" + btoa("app-rotated!".repeat(3)),
  );
  const webhookKind = SEALED_KINDS.filter((kind) => kind.name === "webhook_secret");
  // The app rotates the secret once the reseal has read this project's batch and before it writes: projects are
  // read in id order, one webhook batch each, so that is the reseal's (n+1)th read.
  const [{ ids }] = await db.sql`select array_agg(id order by id) as ids from astapa.projects`;
  let reads = (ids as string[]).indexOf(racing.id);
  const sql = pausingPool(db.sql, (statement) => {
    if (!statement.includes("api.sealed_values") || reads-- !== 0) return undefined;
    return asApp(
      db.sql,
      racing.id,
      (tx) => rotateWebhookEndpointSecret(tx, racing.id, endpoint.id, rotatedByApp),
    );
  });
  const report = await resealAll(sql, rotated, { kinds: webhookKind });
  assert.equal(report.kinds[0].changed, 1);
  const [row] = await db
    .sql`select secret_sealed from astapa.webhook_endpoints where project_id = ${racing.id}`;
  assert.deepEqual(
    new Uint8Array(row.secret_sealed),
    rotatedByApp,
    "the app's new secret, not the old one re-sealed",
  );
});

Deno.test("master-key reseal — knows every seal( call site in lib/ and every kind api.sealed_values lists", async () => {
  // master_key.ts defines seal; reseal.ts seals again what the kinds below hold.
  const RESEALING = ["lib/tokens/master_key.ts", "lib/tokens/reseal.ts"];
  const found: Record<string, number> = {};
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (path.endsWith(".ts") && !path.endsWith("_test.ts") && !RESEALING.includes(path)) {
        const code = (await Deno.readTextFile(path)).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
        const calls = code.match(/(?<![\w.])seal\(/g)?.length ?? 0;
        if (calls) found[path] = calls;
      }
    }
  };
  await walk("lib");
  const declared = Object.fromEntries(Object.entries(SEAL_CALLS).map(([file, { calls }]) => [file, calls]));
  assert.deepEqual(
    found,
    declared,
    "a new seal( call site: add its kind to lib/tokens/sealed_kinds.ts and db/api/sealed_values.sql " +
      "(or say in SEAL_CALLS why it lives too briefly to need resealing)",
  );
  const kindsOfCalls = Object.values(SEAL_CALLS).flatMap((call) => call.kinds).sort();
  assert.deepEqual(kindsOfCalls, SEALED_KINDS.map((kind) => kind.name).sort());
  for (const kind of SEALED_KINDS) {
    await asApp(db.sql, project.id, (tx) => sealedValues(tx, kind.name, null, 1)); // SQL knows the kind
  }
});

Deno.test("master-key — an unknown action or option is a usage error", async () => {
  const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: NEW };
  const spin = await run(["cli.ts", "master-key", "spin"], env);
  assert.equal(spin.code, 2);
  assert.match(spin.stderr, /Unknown master-key command "spin"/);
  const option = await run(["cli.ts", "master-key", "reseal", "--everything=yes"], env);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /Unknown option --everything/);
});
