/**
 * settings.sign_up.require_legal_consent (db/api/sign_up_rules.sql, db/api/projects.sql): on only beside a terms or
 * privacy address; AS4N7 on each path a person creates an account by (password, Google/GitHub/Apple, phone code,
 * a guest's sign-up) without consent, nothing written; with it the account's legal_accepted_at is set and shown;
 * the project's own paths (api.create_user, the import) never refused; the import keeps a given one and the export
 * carries it.
 */
import assert from "node:assert/strict";
import { type AppContext, asApp, signUpContext } from "@/db/client.ts";
import { exportUsersPage, importUsers } from "@/db/user_import.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const TERMS = { branding: { terms_url: "https://toko.example/terms" } };
const project = await seedProject(db.sql, { name: "Toko", settings: { ...TERMS, phone: { enabled: true } } });

const settle = (projectId: string, changes: Json) =>
  appValue<Json>(
    db.sql,
    projectId,
    (tx) => tx`select api.update_project_settings(${projectId}, ${tx.json(changes as never)})`,
  );
const require = (on: boolean) => settle(project.id, { sign_up: { require_legal_consent: on || null } });
const ARGON2ID = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const agreed = signUpContext(undefined, undefined, undefined, true);
const users = () =>
  db.sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`.then(([r]) =>
    r.n as number
  );
const acceptedAt = (id: string) =>
  db.sql`select legal_accepted_at from astapa.users where id = ${id}::bigint`.then(([r]) =>
    r.legal_accepted_at as Date | null
  );
const signUp = (email: string, context: AppContext = {}) =>
  asApp(db.sql, project.id, (tx) => tx`select api.sign_up_user(${project.id}, ${email}, null) as u`, context)
    .then(([r]) => r.u as Json);

Deno.test("api.update_project_settings — require_legal_consent needs branding.terms_url or privacy_url, whichever change would leave none", async () => {
  const bare = await seedProject(db.sql);
  const needs = /needs a terms of service or privacy policy address/;
  await rejectsAs(settle(bare.id, { sign_up: { require_legal_consent: true } }), "validation_failed", needs);
  await rejectsAs(
    settle(bare.id, { sign_up: { require_legal_consent: "yes" } }),
    "validation_failed",
    /true or false/,
  );
  // In the same change, or with the privacy address alone: taken.
  const saved = await settle(bare.id, {
    branding: { privacy_url: "https://bare.example/privacy" },
    sign_up: { require_legal_consent: true },
  });
  assert.equal(((saved.settings as Json).sign_up as Json).require_legal_consent, true);
  await settle(bare.id, { branding: { terms_url: "https://bare.example/terms" } });
  await settle(bare.id, { branding: { privacy_url: null } });
  // Clearing the last address (one key, or all of branding) while consent is asked is refused; nothing changes.
  await rejectsAs(settle(bare.id, { branding: { terms_url: null } }), "validation_failed", needs);
  await rejectsAs(settle(bare.id, { branding: null }), "validation_failed", needs);
  const [row] = await db.sql`select settings -> 'branding' as b from astapa.projects where id = ${bare.id}`;
  assert.deepEqual(row.b, { terms_url: "https://bare.example/terms" });
  // Off first, then the address may go.
  await settle(bare.id, { sign_up: { require_legal_consent: null } });
  await settle(bare.id, { branding: { terms_url: null } });
});

Deno.test("astapa.assert_sign_up_allowed — AS4N7 only while required and without consent; the other rules answer first", async () => {
  const check = (context: AppContext = {}) =>
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select astapa.assert_sign_up_allowed(${project.id}, 'ayu@example.com')`,
      context,
    )
      .then(() => "allowed", (error) => `${error.code} ${error.message}`);
  assert.equal(await check(), "allowed");
  await require(true);
  assert.equal(await check(), "AS4N7 Agree to the terms and privacy policy of Toko to create an account.");
  assert.equal(await check(agreed), "allowed");
  await settle(project.id, { sign_up: { mode: "closed" } });
  assert.match(await check(), /^AS4N0 /);
  await settle(project.id, { sign_up: { mode: null } });
  await require(false);
});

Deno.test("api.sign_up_user — without consent refused (legal_consent_required), nothing written; with it legal_accepted_at is set and shown", async () => {
  await require(true);
  const before = await users();
  await rejectsAs(signUp("tanpa@example.com"), "legal_consent_required", /Agree to the terms/);
  assert.equal(await users(), before);
  const made = await signUp("setuju@example.com", agreed);
  const at = await acceptedAt(made.id as string);
  assert.ok(at instanceof Date);
  assert.equal(new Date(made.legal_accepted_at as string).getTime(), at.getTime(), "user JSON carries it");
  // Not required: a sign-up still records a consent given, and none without it.
  await require(false);
  assert.equal((await signUp("biasa@example.com")).legal_accepted_at, null);
  assert.ok(await acceptedAt((await signUp("sukarela@example.com", agreed)).id as string));
});

Deno.test("api.sign_in_with_identity — a first Google sign-in needs consent while required; an existing account signs in without", async () => {
  const google = (subject: string, email: string, context: AppContext = {}) =>
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.sign_in_with_identity('google', ${subject}, ${email}, true) as o`,
      context,
    ).then(([r]) => r.o as Json);
  await require(true);
  const before = await users();
  await rejectsAs(google("g-baru", "baru@gmail.test"), "legal_consent_required");
  assert.equal(await users(), before);
  const made = await google("g-baru", "baru@gmail.test", agreed);
  assert.equal(made.created, true);
  assert.ok(await acceptedAt(made.user_id as string));
  const again = await google("g-baru", "baru@gmail.test");
  assert.deepEqual([again.created, again.user_id], [false, made.user_id]);
  await require(false);
});

Deno.test("api.check_phone_code — a new number needs consent while required; with it legal_accepted_at is set", async () => {
  await settle(project.id, { phone: { enabled: true, signup: true } });
  let n = 0;
  const code = async (context: AppContext) => {
    const token = `t-consent-${n++}`;
    await asApp(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.start_phone_code(${`+6281234000${n}`}, 'ID', 'whatsapp', ${await sha256(token)},
                                     ${await sha256(`${token}:123456`)}, ${`10.9.0.${n}`})`,
    );
    const [row] = await asApp(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.check_phone_code(${await sha256(token)}, ${await sha256(`${token}:123456`)}) as r`,
      context,
    );
    return row.r as Json;
  };
  await require(true);
  const before = await users();
  await rejectsAs(code({}), "legal_consent_required");
  assert.equal(await users(), before);
  const made = await code(agreed);
  assert.equal(made.created, true);
  assert.ok(await acceptedAt(made.user_id as string));
  await require(false);
});

Deno.test("api.sign_up_guest — a guest's sign-up needs consent while required; the guest's row records it", async () => {
  await require(true);
  await settle(project.id, { anonymous_users: { enabled: true } });
  const guest = async () => {
    const claims = await appValue<Json>(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.sign_in_anonymously(${project.clientId}, '192.0.2.7', ${await sha256(
          crypto.randomUUID(),
        )},
                                          'openid') as r`,
    );
    return claims.sub as string;
  };
  const up = (id: string, email: string, context: AppContext = {}) =>
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.sign_up_guest(${project.id}, ${id}::bigint, ${email}, ${ARGON2ID})`,
      context,
    );
  const first = await guest();
  await rejectsAs(up(first, "tamu@example.com"), "legal_consent_required");
  assert.equal(await acceptedAt(first), null);
  await up(first, "tamu@example.com", agreed);
  assert.ok(await acceptedAt(first));
  await require(false);
});

Deno.test("the project's own paths — api.create_user and the import are never refused; the import keeps legal_accepted_at, the export carries it", async () => {
  // A project of its own: the export reads every user, and the phone-only ones above have no address.
  const own = await seedProject(db.sql, { settings: { ...TERMS, sign_up: { require_legal_consent: true } } });
  const made = await seedUser(db.sql, own.id, "dibuat@example.com");
  const [row] = await db.sql`select legal_accepted_at from astapa.users where id = ${made}::bigint`;
  assert.equal(row.legal_accepted_at, null);
  const result = await asApp(db.sql, own.id, (tx) =>
    importUsers(tx, own.id, [
      { row: 1, email: "clerk@example.com", legal_accepted_at: "2025-03-04T05:06:07Z" },
      { row: 2, email: "lama@example.com" },
      { row: 3, email: "dibuat@example.com", legal_accepted_at: "2025-01-02T03:04:05Z" },
    ], { dryRun: false, source: "claims_api" }));
  assert.deepEqual([result.created, result.updated, result.refused], [2, 1, []]);
  const exported = await asApp(
    db.sql,
    own.id,
    (tx) => exportUsersPage(tx, own.id, { afterId: "0", size: 1000, withPasswordHashes: false }),
  );
  const at = (email: string) => exported.find((u) => u.email === email)?.legal_accepted_at;
  assert.equal(at("clerk@example.com"), "2025-03-04T05:06:07+00:00");
  assert.equal(at("dibuat@example.com"), "2025-01-02T03:04:05+00:00");
  assert.equal(at("lama@example.com"), undefined);
});
