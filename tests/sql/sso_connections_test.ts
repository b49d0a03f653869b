/**
 * SQL tests for enterprise SSO connections (db/api/sso_connections.sql): each function's happy path and errors,
 * the sign-in's account rules (domain, email_verified, linking, claiming, disabled, seats), and every policy as the
 * owner project, another project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const sealed = "c2VhbGVkLXNlY3JldA";

async function orgWithDomain(slug: string, domain: string): Promise<string> {
  const org = await call(a.id, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  await call(a.id, (tx) => tx`select api.add_organization_domain(${org.id as string}, ${domain})`);
  await call(a.id, (tx) => tx`select api.verify_organization_domain(${org.id as string}, ${domain})`);
  return org.id as string;
}

const put = (
  org: string,
  secret: string | null = sealed,
  enabled: boolean | null = true,
  verified: boolean | null = true,
) =>
  call(
    a.id,
    (tx) =>
      tx`select api.put_sso_connection(${org}, 'https://idp.example', 'client-1', ${secret}, ${enabled}, ${verified})`,
  );

Deno.test("api.put/get/delete_sso_connection — create, keep the secret, never answer it, audited; errors", async () => {
  const org = await orgWithDomain("acme", "acme.example");
  await rejectsAs(put(org, null), "validation_failed", /needs its client_secret/);
  const created = await put(org);
  assert.match(created.id as string, /^sso_[a-z2-7]{24}$/);
  assert.deepEqual(created.domains, ["acme.example"]);
  assert.ok(!JSON.stringify(created).includes(sealed), "the sealed secret is not answered");
  const kept = await put(org, null, false, false);
  assert.deepEqual([kept.enabled, kept.email_verified_required], [false, false]);
  const [row] = await db
    .sql`select client_secret_sealed from astapa.sso_connections where organization_id = ${org}`;
  assert.equal(row.client_secret_sealed, sealed);
  await rejectsAs(
    call(
      a.id,
      (tx) => tx`select api.put_sso_connection(${org}, 'https://idp.example', 'client-2', null, null, null)`,
    ),
    "validation_failed",
    /new client_id needs its client_secret/,
  );
  await rejectsAs(
    call(
      a.id,
      (tx) => tx`select api.put_sso_connection(${org}, 'ftp://idp.example', 'c', ${sealed}, null, null)`,
    ),
    "validation_failed",
    /issuer must be/,
  );
  await rejectsAs(
    call(
      a.id,
      (tx) => tx`select api.put_sso_connection(${org}, 'https://idp.example', '', ${sealed}, null, null)`,
    ),
    "validation_failed",
    /client_id must be/,
  );
  await rejectsAs(put("org_missing"), "not_found");
  assert.equal((await call(a.id, (tx) => tx`select api.get_sso_connection('acme')`)).id, created.id);
  const listed = await call<Json[]>(a.id, (tx) => tx`select api.list_sso_connections()`);
  assert.deepEqual(listed.map((c) => c.id), [created.id]);
  assert.ok(!JSON.stringify(listed).includes(sealed));
  assert.deepEqual(await call(b.id, (tx) => tx`select api.list_sso_connections()`), []);
  await call(a.id, (tx) => tx`select api.delete_sso_connection(${org})`);
  await rejectsAs(call(a.id, (tx) => tx`select api.get_sso_connection(${org})`), "not_found");
  await rejectsAs(call(a.id, (tx) => tx`select api.delete_sso_connection(${org})`), "not_found");
  const [audit] = await db.sql`select array_agg(action order by id) as actions from astapa.audit_log
    where project_id = ${a.id} and action like 'sso_connection.%'`;
  assert.deepEqual(audit.actions, [
    "sso_connection.created",
    "sso_connection.updated",
    "sso_connection.deleted",
  ]);
});

Deno.test("api.sso_connection_for_email / for_sign_in — only an enabled connection at a verified domain", async () => {
  const org = await orgWithDomain("lookup", "lookup.example");
  const connection = await put(org);
  const found = await call(a.id, (tx) => tx`select api.sso_connection_for_email('Ana@LOOKUP.example')`);
  assert.deepEqual([found.id, found.client_secret_sealed, found.organization_name], [
    connection.id,
    sealed,
    "lookup",
  ]);
  assert.equal(await call(a.id, (tx) => tx`select api.sso_connection_for_email('ana@other.example')`), null);
  assert.equal(await call(a.id, (tx) => tx`select api.sso_connection_for_email('no-at-sign')`), null);
  assert.equal(await call(b.id, (tx) => tx`select api.sso_connection_for_email('ana@lookup.example')`), null);
  assert.equal(
    (await call(a.id, (tx) => tx`select api.sso_connection_for_sign_in(${connection.id as string})`)).id,
    connection.id,
  );
  await put(org, null, false);
  assert.equal(await call(a.id, (tx) => tx`select api.sso_connection_for_email('ana@lookup.example')`), null);
  assert.equal(
    await call(a.id, (tx) => tx`select api.sso_connection_for_sign_in(${connection.id as string})`),
    null,
  );
  await put(org, null, true);
  await call(a.id, (tx) => tx`select api.remove_organization_domain(${org}, 'lookup.example')`);
  assert.equal(await call(a.id, (tx) => tx`select api.sso_connection_for_email('ana@lookup.example')`), null);
});

Deno.test("api.sign_in_with_sso — creates or links by address at the verified domain, joins the organization; refusals", async () => {
  const org = await orgWithDomain("signin", "signin.example");
  const connection = (await put(org)).id as string;
  // One IdP subject per person (the subject is matched first: astapa.sso_linked_user, tests/sql/sso_enforcement_test.ts).
  const signIn = (
    email: string,
    verified = true,
    subject = `sub-${email.toLowerCase()}`,
    project: string | null = a.id,
  ) =>
    call(project, (tx) => tx`select api.sign_in_with_sso(${connection}, ${subject}, ${email}, ${verified})`);
  const first = await signIn("nia@signin.example");
  assert.deepEqual([first.created, first.linked, first.organization_id], [true, false, org]);
  const again = await signIn("NIA@signin.example");
  assert.deepEqual([again.user_id, again.created, again.linked], [first.user_id, false, false]);
  const [member] = await db.sql`select role from astapa.organization_memberships
    where project_id = ${a.id} and organization_id = ${org} and user_id = ${first.user_id as string}`;
  assert.equal(member.role, "member");
  // An address the IdP does not speak for, an unverified one, a bad subject.
  await rejectsAs(signIn("nia@gmail.example"), "forbidden", /outside its organization's verified domains/);
  await rejectsAs(signIn("new@signin.example", false), "forbidden", /has not verified this address/);
  await rejectsAs(signIn("nia@signin.example", true, ""), "validation_failed");
  // The IdP authoritative for the domain: email_verified is not needed.
  await put(org, null, true, false);
  assert.equal((await signIn("new@signin.example", false)).created, true);
  // An unproven account at the address is claimed; a disabled one is refused.
  const unproven = await seedUser(db.sql, a.id, "squat@signin.example", { verified: false });
  const claimed = await signIn("squat@signin.example");
  // An existing account linked to the subject now: linked (its empty profile fields take the IdP's).
  assert.deepEqual([claimed.user_id, claimed.created, claimed.linked], [unproven, false, true]);
  const [verified] = await db
    .sql`select email_verified from astapa.users where project_id = ${a.id} and id = ${unproven}`;
  assert.equal(verified.email_verified, true);
  const disabled = await seedUser(db.sql, a.id, "off@signin.example", { verified: true });
  await db.sql`update astapa.users set disabled = true where project_id = ${a.id} and id = ${disabled}`;
  await rejectsAs(signIn("off@signin.example"), "forbidden", /disabled/);
  // Another project, no project, a disabled connection.
  await rejectsAs(signIn("nia@signin.example", true, "sub-1", b.id), "not_found");
  await rejectsAs(signIn("nia@signin.example", true, "sub-1", null), "forbidden");
  await put(org, null, false);
  await rejectsAs(signIn("nia@signin.example"), "not_found", /not enabled/);
});

Deno.test("sso_connections — project A's connection is invisible and untouchable from project B and from no project", async () => {
  const org = await orgWithDomain("iso", "iso.example");
  await put(org);
  const count = (project: string | null) =>
    call<number>(project, (tx) => tx`select count(*)::int from astapa.sso_connections`);
  assert.ok(await count(a.id) > 0);
  for (const project of [b.id, null]) {
    assert.equal(await count(project), 0);
    const touched = await asApp(db.sql, project, async (tx) => {
      const updated = await tx`update astapa.sso_connections set enabled = false returning 1`;
      const deleted = await tx`delete from astapa.sso_connections returning 1`;
      return updated.length + deleted.length;
    });
    assert.equal(touched, 0);
  }
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.sso_connections (project_id, id, organization_id, issuer, client_id, client_secret_sealed)
         values (${a.id}, 'sso_bbbbbbbbbbbbbbbbbbbbbbbb', ${org}, 'https://x.example', 'c', 'x')`,
    ),
    /row-level security/,
  );
  await rejectsAs(asApp(db.sql, b.id, (tx) => tx`select api.get_sso_connection(${org})`), "not_found");
  const [rls] = await db.sql`select relrowsecurity and relforcerowsecurity as forced from pg_class
    where oid = 'astapa.sso_connections'::regclass`;
  assert.equal(rls.forced, true);
});
