/**
 * Moving users in and out over the Platform API (issue 22): import with foreign hashes, sign in on the hosted
 * login with the original password (then the hash is argon2id), bad input refused row by row or whole, never a
 * 5xx, and an export that imports into another project unchanged.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { submitForm } from "../helpers/login.ts";
import { FIREBASE_VECTOR, foreignHashes } from "../helpers/foreign_hashes.ts";
import { takeLive } from "../helpers/live_keys.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;

const PASSWORD = "Kopi-tubruk-2024";

async function importUsers(p: SeededProject, body: string, type = "application/json", query = "") {
  const res = await t.app.request(`/api/platform/users/import${query}`, {
    method: "POST",
    headers: { authorization: basic(p.clientId, p.secret), "content-type": type },
    body,
  });
  return { status: res.status, body: await res.json() };
}

async function exportUsers(p: SeededProject, query = "") {
  const res = await t.app.request(`/api/platform/users/export${query}`, {
    headers: { authorization: basic(p.clientId, p.secret) },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/x-ndjson/);
  const text = await res.text();
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

const storedHash = async (p: SeededProject, email: string) =>
  (await sql`select password_hash from astapa.users where project_id = ${p.id} and email = ${email}`)[0]
    ?.password_hash as string | undefined;
const userCount = async (p: SeededProject) =>
  Number((await sql`select count(*) from astapa.users where project_id = ${p.id}`)[0].count);

const signIn = (p: SeededProject, email: string, password: string) =>
  submitForm(t, p, "/auth/login", { email, password }, { response_type: "code", state: "s" });

Deno.test("user import — every hash format signs in with its original password, then is argon2id", async () => {
  const p = await seedProject(sql);
  const hashes = await foreignHashes(PASSWORD);
  const users = Object.entries(hashes).map(([format, hash]) => ({
    email: `${format}@example.com`,
    email_verified: true,
    password_hash: hash,
  }));
  const firebase = {
    email: "firebase@example.com",
    email_verified: true,
    password_hash: FIREBASE_VECTOR.passwordHash,
    password_salt: FIREBASE_VECTOR.salt,
  };
  const { status, body } = await importUsers(
    p,
    JSON.stringify({ hash_config: FIREBASE_VECTOR.hash_config, users: [...users, firebase] }),
  );
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body, { created: users.length + 1, updated: 0, dry_run: false, refused: [] });
  for (
    const [email, password] of [...users.map((u) => [u.email, PASSWORD]), [
      firebase.email,
      FIREBASE_VECTOR.password,
    ]]
  ) {
    const before = await storedHash(p, email);
    assert.ok(before && !before.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), email);
    assert.equal((await signIn(p, email, `${password}x`)).status, 422, `${email}: a wrong password`);
    assert.equal(await storedHash(p, email), before, `${email}: unchanged by a failed sign-in`);
    const res = await signIn(p, email, password);
    assert.equal(res.status, 303, `${email}: ${res.status}`);
    assert.match(res.headers.get("location") ?? "", /[?&]code=/);
    assert.match((await storedHash(p, email))!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, email);
    assert.equal((await signIn(p, email, password)).status, 303, `${email}: again, with argon2id`);
  }
  const rehashed = await sql`select count(*) from astapa.audit_log
                             where project_id = ${p.id} and action = 'user.rehash_password'`;
  assert.equal(Number(rehashed[0].count), users.length + 1);
});

Deno.test("user import — NDJSON: each bad line refused with its reason, the good ones stored", async () => {
  const p = await seedProject(sql);
  const { bcrypt_2b } = await foreignHashes(PASSWORD);
  const lines = [
    JSON.stringify({ email: "ok@example.com", password_hash: bcrypt_2b, external_id: "a1" }),
    "{not json",
    JSON.stringify({ email: "md5@example.com", password_hash: "5f4dcc3b5aa765d61d8327deb882cf99" }),
    JSON.stringify({ email: "cost@example.com", password_hash: bcrypt_2b.replace("$08$", "$31$") }),
    JSON.stringify({ email: "OK@example.com" }),
    JSON.stringify({ email: "salt@example.com", password_hash: "aGFzaA==", password_salt: "c2FsdA==" }),
    JSON.stringify({ email: "typo@example.com", emial_verified: true }),
    "",
    JSON.stringify({ email: "second@example.com", external_id: "a1" }),
    JSON.stringify([1, 2]),
    JSON.stringify({ email: "last@example.com", identities: [{ provider: "gitlab", subject: "1" }] }),
    JSON.stringify({ email: "fine@example.com", name: "Fine" }),
  ];
  const { status, body } = await importUsers(p, lines.join("\n"), "application/x-ndjson");
  assert.equal(status, 200);
  assert.deepEqual([body.created, body.updated], [2, 0]);
  const reasons = Object.fromEntries(
    body.refused.map((r: { row: number; reason: string }) => [r.row, r.reason]),
  );
  assert.deepEqual(Object.keys(reasons).map(Number), [2, 3, 4, 5, 6, 7, 9, 10, 11]);
  assert.match(reasons[2], /not one JSON object/);
  assert.match(reasons[3], /Unknown password hash format/);
  assert.match(reasons[4], /cost 31/);
  assert.match(reasons[5], /already in row 1/);
  assert.match(reasons[6], /hash_config/);
  assert.match(reasons[7], /emial_verified/);
  assert.match(reasons[9], /already in row 1/);
  assert.match(reasons[10], /object/);
  assert.match(reasons[11], /identities\.0\.provider/);
  assert.equal(await userCount(p), 2);
});

Deno.test("user import — the whole request refused, nothing written: bad hash_config, size, count, media", async () => {
  const p = await seedProject(sql);
  const user = { email: "x@example.com", password_hash: "aGFzaA==", password_salt: "c2FsdA==" };
  const badKey = { ...FIREBASE_VECTOR.hash_config, base64_signer_key: "not base64!" };
  const wrongKey = await importUsers(p, JSON.stringify({ hash_config: badKey, users: [user] }));
  assert.equal(wrongKey.status, 400);
  assert.match(wrongKey.body.error_description, /base64_signer_key/);
  // A key of the right form but another length than the hashes: each row says so.
  const otherKey = { ...FIREBASE_VECTOR.hash_config, base64_signer_key: btoa("short key!!!") };
  const mismatch = await importUsers(p, JSON.stringify({ hash_config: otherKey, users: [user] }));
  assert.match(mismatch.body.refused[0].reason, /signer key/);
  const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ email: `u${i}@example.com` }));
  const count = await importUsers(p, JSON.stringify(tooMany));
  assert.equal(count.status, 400);
  assert.match(count.body.error_description, /10000/);
  const huge = await importUsers(
    p,
    JSON.stringify([{ email: "a@example.com", name: "x".repeat(17 * 1024 * 1024) }]),
  );
  assert.equal(huge.status, 413);
  const deep = await importUsers(p, "[".repeat(100_000) + "]".repeat(100_000));
  assert.equal(deep.status, 400);
  const csv = await importUsers(p, "email\nx@example.com", "text/csv");
  assert.equal(csv.status, 415);
  const notArray = await importUsers(p, JSON.stringify({ people: [] }));
  assert.equal(notArray.status, 400);
  const badQuery = await importUsers(p, "[]", "application/json", "?dry_run=maybe");
  assert.equal(badQuery.status, 400);
  assert.equal(await userCount(p), 0);
});

Deno.test("user import — a dry run answers like the real one and writes nothing", async () => {
  const p = await seedProject(sql);
  const rows = JSON.stringify([{ email: "dry@example.com" }, { email: "bad" }]);
  const dry = await importUsers(p, rows, "application/json", "?dry_run=true");
  assert.deepEqual([dry.body.created, dry.body.refused.length, dry.body.dry_run], [1, 1, true]);
  assert.equal(await userCount(p), 0);
  const real = await importUsers(p, rows);
  assert.deepEqual([real.body.created, real.body.refused.length, real.body.dry_run], [1, 1, false]);
});

Deno.test("user export — NDJSON without hashes unless asked; imports into another project unchanged", async () => {
  const a = await seedProject(sql);
  const b = await seedProject(sql);
  const { bcrypt_2b, django } = await foreignHashes(PASSWORD);
  const source = [
    {
      email: "one@example.com",
      email_verified: true,
      external_id: "u1",
      password_hash: bcrypt_2b,
      name: "One",
    },
    {
      email: "two@example.com",
      email_verified: true,
      password_hash: django,
      role: "editor",
      feature_flags: ["beta"],
      custom_claims: { org: "acme" },
      identities: [
        { provider: "google", subject: "g-2", email: "two@gmail.com" },
        { provider: "github", subject: "4242", email: "two@users.noreply.github.com" },
      ],
      created_at: "2020-01-02T03:04:05.000Z",
    },
    { email: "three@example.com", disabled: true },
  ];
  assert.equal((await importUsers(a, JSON.stringify(source))).body.created, 3);
  const plain = await exportUsers(a);
  assert.equal(plain.length, 3);
  assert.ok(plain.every((u) => !("password_hash" in u)));
  const full = await exportUsers(a, "?with_password_hashes=true");
  assert.ok(full.every((u) => u.email === "three@example.com" || typeof u.password_hash === "string"));
  const imported = await importUsers(
    b,
    full.map((u) => JSON.stringify(u)).join("\n"),
    "application/x-ndjson",
  );
  assert.deepEqual(imported.body, { created: 3, updated: 0, dry_run: false, refused: [] });
  const strip = ({ sub: _sub, ...rest }: Record<string, unknown>) => rest;
  const bySort = (x: Record<string, unknown>, y: Record<string, unknown>) =>
    String(x.email).localeCompare(String(y.email));
  const again = await exportUsers(b, "?with_password_hashes=true");
  assert.deepEqual(again.map(strip).sort(bySort), full.map(strip).sort(bySort));
  assert.equal((await signIn(b, "two@example.com", PASSWORD)).status, 303);
  const audits =
    await sql`select details from astapa.audit_log where project_id = ${a.id} and action = 'user.export'
                           order by id`;
  assert.deepEqual(audits.map((r) => r.details.with_password_hashes), [false, true]);
});

Deno.test("user export — a live project's export over HTTP has hashes only with the parameter, audited as live", async () => {
  const p = await seedProject(sql);
  await takeLive(sql, p.id);
  const { bcrypt_2b } = await foreignHashes(PASSWORD);
  const imported = await importUsers(
    p,
    JSON.stringify([{ email: "live@example.com", password_hash: bcrypt_2b }]),
  );
  assert.equal(imported.body.created, 1);
  for (const query of ["", "?with_password_hashes=false"]) {
    const plain = await exportUsers(p, query);
    assert.deepEqual(plain.map((u) => [u.email, "password_hash" in u]), [["live@example.com", false]], query);
  }
  const full = await exportUsers(p, "?with_password_hashes=true");
  assert.deepEqual(full.map((u) => u.password_hash), [bcrypt_2b]);
  const audits = await sql`select details from astapa.audit_log
                           where project_id = ${p.id} and action = 'user.export' order by id`;
  assert.deepEqual(audits.map((r) => [r.details.with_password_hashes, r.details.environment]), [
    [false, "production"],
    [false, "production"],
    [true, "production"],
  ]);
});
