/**
 * SQL tests for SCIM directory provisioning (db/api/scim.sql): each function's happy path and errors, the rules the
 * HTTP tests do not reach (an unproven account claimed, the last owner deprovisioned, a full organization, a revoked
 * directory), and every policy as the owner project, another project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);

async function orgWithDomain(project: string, slug: string, domain: string): Promise<string> {
  const org = await call(project, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  await call(project, (tx) => tx`select api.add_organization_domain(${org.id as string}, ${domain})`);
  await call(project, (tx) => tx`select api.verify_organization_domain(${org.id as string}, ${domain})`);
  return org.id as string;
}

const acme = await orgWithDomain(a.id, "acme", "acme.test");
const tokenA = await sha256("token-a");
const tokenB = await sha256("token-b");
const soloToken = await sha256("solo");
const dirA = await call(a.id, (tx) => tx`select api.enable_scim_directory(${acme}, ${tokenA})`);
const other = await orgWithDomain(b.id, "other", "other.test");
const dirB = await call(
  b.id,
  (tx) => tx`select api.enable_scim_directory(${other}, ${tokenB})`,
);

const person = (userName: string, active = true) => ({
  userName,
  externalId: null,
  givenName: null,
  familyName: null,
  formatted: null,
  displayName: null,
  nickName: null,
  preferredLanguage: null,
  locale: null,
  timezone: null,
  emails: [],
  active,
});
const create = (userName: string, active = true, project = a.id, dir = dirA.id as string) =>
  call(project, (tx) => tx`select api.scim_create_user(${dir}, ${tx.json(person(userName, active))})`);
const audited = (action: string) =>
  db.sql`select target, details from astapa.audit_log where project_id = ${a.id} and action = ${action} order by id`;

Deno.test("api.enable/get/revoke_scim_directory — on, rotated, revoked, audited; errors", async () => {
  assert.match(dirA.id as string, /^scim_[a-z2-7]{24}$/);
  assert.deepEqual([dirA.created, dirA.token_active, dirA.organization_id], [true, true, acme]);
  const org = await orgWithDomain(a.id, "rot", "rot.test");
  const first = await call(a.id, (tx) => tx`select api.enable_scim_directory('rot', ${new Uint8Array(32)})`);
  const second = await call(
    a.id,
    (tx) => tx`select api.enable_scim_directory(${org}, ${new Uint8Array(32).fill(1)})`,
  );
  assert.deepEqual([second.id, second.created], [first.id, false]);
  assert.equal((await call(a.id, (tx) => tx`select api.get_scim_directory('rot')`)).id, first.id);
  assert.equal((await call(a.id, (tx) => tx`select api.revoke_scim_token(${org})`)).token_active, false);
  const actions = await db
    .sql`select action from astapa.audit_log where project_id = ${a.id} and target = ${org}
    and action like 'scim.%' order by id`;
  assert.deepEqual(actions.map((r) => r.action), [
    "scim.directory_enabled",
    "scim.token_rotated",
    "scim.token_revoked",
  ]);
  await rejectsAs(call(a.id, (tx) => tx`select api.enable_scim_directory('nope', ${tokenA})`), "not_found");
  await rejectsAs(
    call(a.id, (tx) => tx`select api.enable_scim_directory(${acme}, ${new Uint8Array(5)})`),
    "validation_failed",
    /SHA-256/,
  );
  await rejectsAs(call(b.id, (tx) => tx`select api.get_scim_directory(${acme})`), "not_found");
  await rejectsAs(call(b.id, (tx) => tx`select api.revoke_scim_token(${acme})`), "not_found");
  await orgWithDomain(a.id, "bare", "bare.test");
  await rejectsAs(
    call(a.id, (tx) => tx`select api.get_scim_directory('bare')`),
    "not_found",
    /no SCIM directory/,
  );
  await rejectsAs(call(a.id, (tx) => tx`select api.revoke_scim_token('bare')`), "not_found");
  // A revoked directory answers nobody, also in SQL.
  await rejectsAs(
    call(a.id, (tx) => tx`select api.scim_list_users(${first.id as string}, null, null, 1, 10)`),
    "not_found",
    /not turned on/,
  );
});

Deno.test("api.authenticate_scim_directory — the right token only, before a project is chosen", async () => {
  const found = await call(
    null,
    (tx) => tx`select api.authenticate_scim_directory(${dirA.id as string}, ${tokenA})`,
  );
  assert.deepEqual(found, { project_id: a.id, organization_id: acme });
  for (
    const [dir, hash] of [
      [dirA.id, await sha256("wrong")],
      [dirB.id, tokenA],
      ["scim_aaaaaaaaaaaaaaaaaaaaaaaa", tokenA],
      ["not-an-id", tokenA],
    ] as const
  ) {
    assert.equal(
      await call(null, (tx) => tx`select api.authenticate_scim_directory(${dir as string}, ${hash})`),
      null,
    );
  }
  await rejectsAs(
    call(a.id, (tx) => tx`select api.authenticate_scim_directory(${dirA.id as string}, ${tokenA})`),
    "forbidden",
  );
});

Deno.test("api.scim_create_user — created or linked, an unproven account claimed; domain, duplicate and seat errors", async () => {
  const made = await create("new@acme.test");
  assert.equal(made.userName, "new@acme.test");
  await rejectsAs(create("new@ACME.test"), "conflict", /already in this directory/);
  await rejectsAs(create("x@other.test"), "forbidden", /not at a verified domain of acme: .*acme\.test/);
  await rejectsAs(create("no-at-sign"), "validation_failed");
  await rejectsAs(create("x@acme.test", true, b.id, dirA.id as string), "not_found");
  // An account that never proved its address is claimed, as an SSO sign-in claims it, then linked.
  const unproven = await seedUser(db.sql, a.id, "unproven@acme.test");
  await create("unproven@acme.test");
  const [row] = await db.sql`select email_verified from astapa.users where id = ${unproven}`;
  assert.equal(row.email_verified, true);
  assert.equal(
    (await db.sql`select count(*)::int as n from astapa.audit_log where action = 'user.claimed'
                  and target = ${"user:" + unproven}`)[0].n,
    1,
  );
  assert.equal((await audited("scim.user_linked")).filter((r) => r.target === `user:${unproven}`).length, 1);
  // Inactive at creation: the account exists, disabled, and is no member.
  const off = await create("off@acme.test", false);
  const [offUser] = await db.sql`select id, disabled from astapa.users where email_lower = 'off@acme.test'`;
  assert.deepEqual([off.active, offUser.disabled], [false, true]);
  // A full organization: the provisioning is refused and nothing is kept.
  await call(a.id, (tx) => tx`select api.update_organization(${acme}, '{"seat_limit": 2}')`);
  await rejectsAs(create("full@acme.test"), "organization_full");
  assert.equal(
    (await db.sql`select count(*)::int as n from astapa.users where email_lower = 'full@acme.test'`)[0].n,
    0,
  );
  await call(a.id, (tx) => tx`select api.update_organization(${acme}, '{"seat_limit": null}')`);
});

Deno.test("api.scim_replace_user and api.scim_delete_user — the last owner deprovisioned, audited; errors", async () => {
  const owner = await seedUser(db.sql, a.id, "owner@acme.test", { verified: true });
  const org = await call(a.id, (tx) => tx`select api.create_organization('Solo', 'solo', ${owner})`);
  await call(a.id, (tx) => tx`select api.add_organization_domain(${org.id as string}, 'solo.test')`);
  await call(a.id, (tx) => tx`select api.verify_organization_domain(${org.id as string}, 'solo.test')`);
  const dir = await call(a.id, (tx) => tx`select api.enable_scim_directory('solo', ${soloToken})`);
  await db.sql`update astapa.users set email = 'owner@solo.test' where id = ${owner}`;
  const linked = await create("owner@solo.test", true, a.id, dir.id as string);
  await call(a.id, (tx) => tx`select api.scim_delete_user(${dir.id as string}, ${linked.id as string})`);
  const [left] = await audited("organization.owner_removed_by_scim");
  assert.deepEqual([left.target, left.details.user_id], [org.id, owner]);
  await rejectsAs(
    call(a.id, (tx) => tx`select api.scim_delete_user(${dir.id as string}, ${linked.id as string})`),
    "not_found",
  );
  const missing = "00000000-0000-0000-0000-000000000000";
  await rejectsAs(
    call(
      a.id,
      (tx) =>
        tx`select api.scim_replace_user(${dirA.id as string}, ${missing}, ${tx.json(person("a@acme.test"))})`,
    ),
    "not_found",
  );
  const made = await create("replace@acme.test");
  await rejectsAs(
    call(a.id, (tx) => tx`select api.scim_replace_user(${dirA.id as string}, ${made.id as string}, '{}')`),
    "validation_failed",
    /userName is required/,
  );
  await rejectsAs(
    call(a.id, (tx) => tx`select api.scim_get_user(${dirA.id as string}, 'x; drop table')`),
    "not_found",
  );
  await rejectsAs(
    call(a.id, (tx) => tx`select api.scim_list_users(${dirA.id as string}, 'title', 'x', 1, 10)`),
    "validation_failed",
    /Filtering by title/,
  );
});

Deno.test("astapa.scim_set_profile — the IdP sets the names and locale it sends; a refused value is dropped", async () => {
  const id = await seedUser(db.sql, a.id, "profiled@acme.test");
  await db
    .sql`update astapa.users set name = 'Own Name', given_name = 'Own', locale = 'id-ID' where id = ${id}`;
  const set = (resource: Record<string, string>) =>
    call<string[]>(
      a.id,
      (tx) => tx`select astapa.scim_set_profile(${a.id}, ${id}::bigint, ${tx.json(resource)})`,
    );
  const profile = async () => ({
    ...(await db.sql`select name, given_name, family_name, locale from astapa.users where id = ${id}`)[0],
  });

  // Set, not filled: what the person had is overwritten; locale en_US stored as en-US.
  assert.deepEqual(
    await set({ givenName: "Dewi", familyName: "Lestari", displayName: "Dewi L.", locale: "en_US" }),
    ["name", "given_name", "family_name", "locale"],
  );
  assert.deepEqual(await profile(), {
    name: "Dewi L.",
    given_name: "Dewi",
    family_name: "Lestari",
    locale: "en-US",
  });
  // name: displayName, else formatted, else given and family name.
  await set({ formatted: "Dr. Dewi Lestari" });
  assert.equal((await profile()).name, "Dr. Dewi Lestari");
  await set({ givenName: "Dewi", familyName: "Putri" });
  assert.equal((await profile()).name, "Dewi Putri");
  // A repeat changes nothing; what the IdP left out stays as it is.
  assert.deepEqual(await set({ givenName: "Dewi", familyName: "Putri" }), []);
  assert.deepEqual(await set({}), []);
  assert.equal((await profile()).locale, "en-US");
  // Values the rules refuse are dropped one by one; the rest is saved.
  assert.deepEqual(
    await set({
      displayName: "gnp\u202Eexe",
      givenName: "x".repeat(200),
      familyName: "Wijaya",
      locale: "not a tag",
    }),
    ["family_name"],
  );
  assert.deepEqual(await profile(), {
    name: "Dewi Putri",
    given_name: "Dewi",
    family_name: "Wijaya",
    locale: "en-US",
  });
  const audits = await db.sql`select details from astapa.audit_log where action = 'user.profile_updated'
                              and target = ${"user:" + id} order by id`;
  assert.deepEqual(audits.at(-1)?.details, { fields: ["family_name"], by: "scim" });
  // An erased account: nothing to set, no error.
  await db.sql`update astapa.users set deleted_at = now() where id = ${id}`;
  assert.deepEqual(await set({ givenName: "Gone" }), []);
});

Deno.test("scim policies — a project sees and changes its own directories and users only; no project sees none", async () => {
  await create("seen@acme.test");
  const counts = (project: string | null) =>
    asApp(db.sql, project, async (tx) => {
      const [row] = await tx`select (select count(*) from astapa.scim_directories)::int as directories,
        (select count(*) from astapa.scim_users)::int as users`;
      return { ...row };
    });
  const own = await counts(a.id);
  assert.ok(own.directories >= 1 && own.users >= 1);
  assert.deepEqual(await counts(b.id), { directories: 1, users: 0 });
  const listed = await call<Json[]>(b.id, (tx) => tx`select api.list_scim_directories()`);
  assert.deepEqual(listed.map((d) => d.id), [dirB.id], "api.list_scim_directories: the project's own");
  assert.equal(JSON.stringify(listed).includes("token_hash"), false);
  assert.deepEqual(await counts(null), { directories: 0, users: 0 });
  // Another project's writes touch nothing of A's.
  const changed = await asApp(db.sql, b.id, async (tx) => {
    const updated = await tx`update astapa.scim_directories set token_hash = null where id = ${dirA
      .id as string}`;
    const deleted = await tx`delete from astapa.scim_users where directory_id = ${dirA.id as string}`;
    return updated.count + deleted.count;
  });
  assert.equal(changed, 0);
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.scim_directories (project_id, organization_id, token_hash, token_created_at)
         values (${a.id}, ${acme}, ${tokenA}, now())`,
    ),
    /row-level security/,
  );
});

Deno.test("astapa.scim_language_tag — the Accept-Language entry of highest weight, the first of equal ones; * and blanks name none", async () => {
  const tag = (accept: string | null) =>
    appValue<string | null>(db.sql, a.id, (tx) => tx`select astapa.scim_language_tag(${accept})`);
  assert.equal(await tag("en-US"), "en-US");
  assert.equal(await tag("da, en-gb;q=0.8, en;q=0.7"), "da");
  assert.equal(await tag("en;q=0.5, id-ID;q=0.9, ms"), "ms");
  assert.equal(await tag("en;q=0.5, id-ID;Q=0.9"), "id-ID");
  assert.equal(await tag("*;q=1, fr;q=0.2"), "fr");
  assert.equal(await tag(" , ;q=1"), null);
  assert.equal(await tag(null), null);
  // A malformed weight counts as 1 rather than failing the request.
  assert.equal(await tag("en;q=0.1, de;q=abc"), "de");
});

Deno.test("astapa.scim_set_profile with the stored resource — only what changed: active alone sets nothing; nickName, timezone, preferredLanguage", async () => {
  const r = await create("changes@acme.test");
  const [row] = await db.sql`select user_id::text from astapa.scim_users where id = ${r.id as string}`;
  const set = (resource: Record<string, string>) =>
    call<string[]>(
      a.id,
      (tx) =>
        tx`select astapa.scim_set_profile(${a.id}, ${row.user_id}::bigint, ${tx.json(resource)},
             (select x from astapa.scim_users x where x.id = ${r.id as string}))`,
    );
  await db.sql`update astapa.scim_users set display_name = 'Dewi L.', given_name = 'Dewi', nick_name = 'Dee',
               timezone = 'Asia/Jakarta' where id = ${r.id as string}`;
  await db.sql`update astapa.users set name = 'Set by the app' where id = ${row.user_id}`;
  // The same attributes as stored: nothing is set, the app's name stays.
  assert.deepEqual(
    await set({ displayName: "Dewi L.", givenName: "Dewi", nickName: "Dee", timezone: "Asia/Jakarta" }),
    [],
  );
  // What changed is set, mapped: nickName, timezone (in the tz database's spelling), preferredLanguage's first.
  assert.deepEqual(
    await set({
      displayName: "Dewi L.",
      givenName: "Dewi",
      nickName: "Didi",
      timezone: "asia/makassar",
      preferredLanguage: "id-ID, en;q=0.5",
    }),
    ["locale", "nickname", "zoneinfo"],
  );
  const [user] = await db
    .sql`select name, nickname, zoneinfo, locale from astapa.users where id = ${row.user_id}`;
  assert.deepEqual({ ...user }, {
    name: "Set by the app",
    nickname: "Didi",
    zoneinfo: "Asia/Makassar",
    locale: "id-ID",
  });
  // An unknown zone is dropped like any refused value; the rest is saved.
  assert.deepEqual(
    await set({ displayName: "Dewi L.", givenName: "Dewi", timezone: "Mars/Base", nickName: "D" }),
    [
      "nickname",
    ],
  );
});

Deno.test("astapa.scim_domain_verified — an address at one of the organization's verified domains, in any case; not another's or an unverified one", async () => {
  await call(a.id, (tx) => tx`select api.add_organization_domain(${acme}, 'pending.test')`);
  const verified = (project: string, org: string, email: string) =>
    appValue<boolean>(
      db.sql,
      project,
      (tx) => tx`select astapa.scim_domain_verified(${project}, ${org}, ${email})`,
    );
  assert.equal(await verified(a.id, acme, "ayu@acme.test"), true);
  assert.equal(await verified(a.id, acme, "Ayu@ACME.Test"), true, "the domain in any case");
  assert.equal(await verified(a.id, acme, "ayu@pending.test"), false, "added, not verified");
  assert.equal(await verified(a.id, acme, "ayu@other.test"), false, "another organization's domain");
  assert.equal(await verified(a.id, acme, "ayu@sub.acme.test"), false, "a subdomain is another domain");
  assert.equal(await verified(b.id, other, "ayu@other.test"), true);
  assert.equal(
    await verified(a.id, other, "ayu@other.test"),
    false,
    "another project's organization is not visible",
  );
  assert.equal(await verified(b.id, acme, "ayu@acme.test"), false);
});
