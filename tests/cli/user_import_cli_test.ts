/**
 * `astapa user import` / `user export` as an operator runs them (a subprocess against this file's database):
 * NDJSON in batches with refusals across batches, dry run, Firebase's auth:export with --hash-config, an
 * export that imports elsewhere unchanged, and usage errors.
 */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";
import { FIREBASE_VECTOR, foreignHashes } from "../helpers/foreign_hashes.ts";

const db = await testDatabase();
const dir = await Deno.makeTempDir();
Deno.test.afterAll(async () => {
  await db.close();
  await Deno.remove(dir, { recursive: true });
});

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

async function astapa(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { DATABASE_URL: db.url, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  return { code: output.code, stdout, stderr: new TextDecoder().decode(output.stderr) };
}

const count = async (projectId: string) =>
  Number((await db.sql`select count(*) from astapa.users where project_id = ${projectId}`)[0].count);

Deno.test("cli user import — NDJSON in batches: refusals across batches, a summary, exit 1; dry run writes nothing", async () => {
  const p = await seedProject(db.sql);
  const { bcrypt_2b } = await foreignHashes("pw-cli-1");
  const rows = Array.from({ length: 1005 }, (_, i) => JSON.stringify({ email: `u${i}@example.com` }));
  rows[1] = JSON.stringify({ email: "hashed@example.com", password_hash: bcrypt_2b });
  rows[1002] = JSON.stringify({ email: "HASHED@example.com" }); // a repeat, in the second batch
  rows[1003] = "not json";
  const file = `${dir}/users.ndjson`;
  await Deno.writeTextFile(file, rows.join("\n") + "\n");
  const dry = await astapa(["user", "import", "--project", p.id, file, "--dry-run", "--json"]);
  assert.equal(dry.code, 1, dry.stderr);
  const drySummary = JSON.parse(dry.stdout);
  assert.equal(drySummary.dry_run, true);
  // The run's keys live outside the batches' (rolled back) transactions: a dry run finds the repeat too.
  assert.deepEqual(drySummary.refused.map((r: { row: number }) => r.row), [1003, 1004]);
  assert.equal(await count(p.id), 0);
  const run = await astapa(["user", "import", "--project", p.id, file]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /1005 rows: 1003 created, 0 updated, 2 refused/);
  assert.match(
    run.stdout,
    /row 1003 \(HASHED@example.com\): The same email or external_id is already in row 2/,
  );
  assert.match(run.stdout, /row 1004: The line is not one JSON object/);
  assert.equal(await count(p.id), 1003);
  const again = await astapa(["user", "import", "--project", p.id, file, "--json"]);
  const summary = JSON.parse(again.stdout);
  assert.deepEqual([summary.created, summary.updated, summary.refused.length], [0, 1003, 2]);
  assert.equal(await count(p.id), 1003);
});

Deno.test("cli user import — Firebase auth:export with --hash-config; a bad config is a usage error", async () => {
  const p = await seedProject(db.sql);
  const exported = `${dir}/firebase.json`;
  await Deno.writeTextFile(
    exported,
    JSON.stringify({
      users: [{
        localId: "fb-uid-1",
        email: "fire@example.com",
        emailVerified: true,
        passwordHash: FIREBASE_VECTOR.passwordHash,
        salt: FIREBASE_VECTOR.salt,
        displayName: "Api",
        createdAt: "1600000000000",
        providerUserInfo: [{ providerId: "google.com", rawId: "g-55", email: "fire@gmail.com" }],
      }],
    }),
  );
  const config = `${dir}/hash_config.json`;
  await Deno.writeTextFile(config, JSON.stringify({ hash_config: FIREBASE_VECTOR.hash_config }));
  const run = await astapa(["user", "import", "--project", p.id, exported, "--hash-config", config]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const [user] = await db
    .sql`select external_id, password_hash, created_at from astapa.users where project_id = ${p.id}`;
  assert.equal(user.external_id, "fb-uid-1");
  assert.match(user.password_hash, /^\$firebase-scrypt\$m=14,r=8\$Bw==\$/);
  assert.equal(user.created_at.toISOString(), "2020-09-13T12:26:40.000Z");
  const identity = await db.sql`select subject from astapa.identities where project_id = ${p.id}`;
  assert.equal(identity[0].subject, "g-55");
  const bad = `${dir}/bad_config.json`;
  await Deno.writeTextFile(bad, JSON.stringify({ ...FIREBASE_VECTOR.hash_config, base64_signer_key: "%%%" }));
  const refused = await astapa(["user", "import", "--project", p.id, exported, "--hash-config", bad]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /base64_signer_key/);
  const missing = await astapa(["user", "import", "--project", p.id, `${dir}/nope.ndjson`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read/);
});

Deno.test("cli user export — NDJSON to a file, hashes only when asked; imports into another project unchanged", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  const { django, argon2i } = await foreignHashes("pw-cli-2");
  const source = `${dir}/source.ndjson`;
  await Deno.writeTextFile(
    source,
    [
      { email: "d@example.com", password_hash: django, external_id: "dj-1", role: "staff" },
      { email: "i@example.com", password_hash: argon2i, feature_flags: ["x"], custom_claims: { n: 1 } },
    ].map((u) => JSON.stringify(u)).join("\n"),
  );
  assert.equal((await astapa(["user", "import", "--project", a.id, source])).code, 0);
  const plain = `${dir}/plain.ndjson`;
  const run = await astapa(["user", "export", "--project", a.id, "--out", plain]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Exported 2 users\./);
  assert.ok(!(await Deno.readTextFile(plain)).includes("password_hash"));
  const withHashes = await astapa(["user", "export", "--project", a.id, "--with-password-hashes"]);
  assert.match(withHashes.stderr, /with password hashes \(audited\)/);
  const full = `${dir}/full.ndjson`;
  await Deno.writeTextFile(full, withHashes.stdout);
  assert.equal((await astapa(["user", "import", "--project", b.id, full])).code, 0);
  const back = await astapa(["user", "export", "--project", b.id, "--with-password-hashes"]);
  const normal = (text: string) =>
    text.trim().split("\n").map((line) => {
      const { sub: _sub, ...rest } = JSON.parse(line);
      return JSON.stringify(rest);
    }).sort();
  assert.deepEqual(normal(back.stdout), normal(withHashes.stdout));
  const audit = await db.sql`select actor, details from astapa.audit_log where project_id = ${a.id}
                             and action = 'user.export' order by id`;
  assert.deepEqual(audit.map((r) => [r.actor, r.details.with_password_hashes]), [["cli", false], [
    "cli",
    true,
  ]]);
});

Deno.test("cli user import — a one-connection pool is a usage error, not a hang; two are enough", async () => {
  const p = await seedProject(db.sql);
  const file = `${dir}/one.ndjson`;
  await Deno.writeTextFile(file, JSON.stringify({ email: "one@example.com" }) + "\n");
  const refused = await astapa(["user", "import", "--project", p.id, file], { ASTAPA_DB_POOL_SIZE: "1" });
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /needs two database connections: set ASTAPA_DB_POOL_SIZE to 2 or more/);
  assert.equal(await count(p.id), 0);
  const run = await astapa(["user", "import", "--project", p.id, file], { ASTAPA_DB_POOL_SIZE: "2" });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(await count(p.id), 1);
});
