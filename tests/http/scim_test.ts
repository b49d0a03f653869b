/**
 * SCIM 2.0 directory provisioning (docs/scim.md) driven as Okta and Microsoft Entra ID drive it: the Platform API
 * turns a directory on and rotates or revokes its token; then Okta's sequence (GET ?filter=userName eq, POST,
 * PATCH active false with a path-less replace) and Entra's (externalId filter, capitalised ops, string booleans,
 * email filters, DELETE), with every refusal: tokens of the wrong kind, the domain guard, malformed filters, bodies
 * too large or too deep. Groups: tests/http/scim_groups_test.ts.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { organizationWithDomain, platformApi } from "../helpers/platform_api.ts";
import { seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { basic, issueCode, redeemCode } from "../helpers/oauth.ts";
import { randomSecret } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const project = await seedProject(sql, { name: "Kantor" });
const other = await seedProject(sql, { name: "Other" });

type Json = Record<string, unknown>;

const api = platformApi(t, project);
const orgWithDomain = (slug: string, domain: string, as?: typeof project) =>
  organizationWithDomain(api, slug, domain, as);

const acmeId = await orgWithDomain("acme", "acme.test");
await orgWithDomain("beta", "beta.test");
await orgWithDomain("gamma", "gamma.test", other);

const acme = (await api("POST", "/organizations/acme/scim")).body as Json;
const beta = (await api("POST", "/organizations/beta/scim")).body as Json;
const foreign = (await api("POST", "/organizations/gamma/scim", undefined, other)).body as Json;
const base = `/scim/v2/${acme.id}`;

/** A SCIM request as an IdP sends it: bearer token, application/scim+json. */
async function scim(method: string, path: string, body?: unknown, token = acme.token as string, at = base) {
  const res = await t.app.request(`${at}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/scim+json; charset=utf-8" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const audit = async (action: string) =>
  (await sql`select actor, target, details from astapa.audit_log where project_id = ${project.id}
             and action = ${action} order by id`).map((r) => ({ ...r }));
const events = async (type: string) =>
  (await sql`select data from astapa.events where project_id = ${project.id} and type = ${type} order by id`)
    .map((r) => r.data as Json);
const account = async (email: string) =>
  (await sql`select id::text, email, email_verified, disabled, password_hash is null as no_password
             from astapa.users where project_id = ${project.id} and email_lower = lower(${email})`)[0];
const memberOf = async (userId: string, org = acmeId) =>
  (await sql`select role from astapa.organization_memberships where project_id = ${project.id}
             and organization_id = ${org} and user_id = ${userId}`)[0]?.role ?? null;

const oktaUser = (email: string, given = "Dewi", family = "Lestari") => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  userName: email,
  name: { givenName: given, familyName: family },
  emails: [{ primary: true, value: email, type: "work" }],
  displayName: `${given} ${family}`,
  locale: "en-US",
  externalId: `00u${email.split("@")[0]}`,
  groups: [],
  password: "ignored-by-astapa",
  active: true,
});

function assertScimError(
  res: { status: number; headers: Headers; body: Json },
  status: number,
  scimType?: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get("content-type") ?? "", /^application\/scim\+json/);
  assert.deepEqual(res.body.schemas, ["urn:ietf:params:scim:api:messages:2.0:Error"]);
  assert.equal(res.body.status, String(status));
  assert.equal(res.body.scimType, scimType);
  assert.equal(typeof res.body.detail, "string");
}

Deno.test("scim — the Platform API turns a directory on, shows it without its token, rotates and revokes it", async () => {
  assert.match(acme.token as string, /^ascim_[A-Za-z0-9_-]{43}$/);
  assert.equal(acme.base_url, `${t.origin}/scim/v2/${acme.id}`);
  assert.match(acme.id as string, /^scim_[a-z2-7]{24}$/);
  const shown = await api("GET", "/organizations/acme/scim");
  assert.equal(shown.status, 200);
  assert.equal(shown.body.token, undefined, "the token is shown once");
  assert.equal(shown.body.token_active, true);
  const [row] = await sql`select token_hash from astapa.scim_directories where id = ${acme.id as string}`;
  assert.equal(row.token_hash.length, 32, "only the SHA-256 is kept");
  assert.equal(
    (await api("GET", "/organizations/acme/scim", undefined, other)).status,
    404,
    "another project",
  );

  const dir = (await api("POST", "/organizations/zeta/scim")).status;
  assert.equal(dir, 404, "no such organization");
  await orgWithDomain("delta", "delta.test");
  const first = await api("POST", "/organizations/delta/scim");
  assert.equal(first.status, 201);
  const rotated = await api("POST", "/organizations/delta/scim");
  assert.equal(rotated.status, 200);
  assert.equal(rotated.body.id, first.body.id, "the directory keeps its id and URL");
  const at = `/scim/v2/${first.body.id}`;
  assertScimError(await scim("GET", "/Users", undefined, first.body.token, at), 401);
  assert.equal((await scim("GET", "/Users", undefined, rotated.body.token, at)).status, 200);
  assert.equal((await api("DELETE", "/organizations/delta/scim")).status, 204);
  assertScimError(await scim("GET", "/Users", undefined, rotated.body.token, at), 401);
  assert.equal((await api("GET", "/organizations/delta/scim")).body.token_active, false);
  assert.deepEqual(
    (await audit("scim.token_rotated")).map((a) => a.details),
    [{ directory: first.body.id }],
  );
  assert.equal((await audit("scim.token_revoked")).length, 1);
});

Deno.test("scim — no token, a wrong one, another organization's or project's, a client secret: 401 in SCIM's shape", async () => {
  const cases: [string, Record<string, string>][] = [
    ["no token", {}],
    ["a wrong token", { authorization: `Bearer ${randomSecret("ascim_")}` }],
    ["another organization's token", { authorization: `Bearer ${beta.token}` }],
    ["another project's token", { authorization: `Bearer ${foreign.token}` }],
    ["the project's client", { authorization: basic(project.clientId, project.secret) }],
    ["the token as Basic", { authorization: `Basic ${btoa(`x:${acme.token}`)}` }],
  ];
  for (const [name, headers] of cases) {
    for (const path of ["/Users", "/ServiceProviderConfig", "/Groups"]) {
      const res = await t.app.request(`${base}${path}`, { headers });
      const body = await res.json();
      assertScimError({ status: res.status, headers: res.headers, body }, 401);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="scim"', name);
    }
  }
  // A token used at its own directory is fine, at the URL of another it is not.
  assertScimError(await scim("GET", "/Users", undefined, acme.token as string, `/scim/v2/${beta.id}`), 401);
  assertScimError(await scim("POST", "/Users", oktaUser("x@acme.test"), foreign.token as string), 401);
  assert.equal(await account("x@acme.test"), undefined, "nothing was created");
});

Deno.test("scim — discovery: ServiceProviderConfig, ResourceTypes (User and Group) and Schemas", async () => {
  const config = await scim("GET", "/ServiceProviderConfig");
  assert.equal(config.status, 200);
  assert.match(config.headers.get("content-type")!, /^application\/scim\+json/);
  assert.equal(config.body.patch.supported, true);
  assert.equal(config.body.bulk.supported, false);
  assert.equal(config.body.authenticationSchemes[0].type, "oauthbearertoken");
  const types = await scim("GET", "/ResourceTypes");
  assert.deepEqual(types.body.Resources.map((r: Json) => [r.name, r.endpoint]), [
    ["User", "/Users"],
    ["Group", "/Groups"],
  ]);
  const schemas = await scim("GET", "/Schemas");
  assert.deepEqual(schemas.body.Resources.map((r: Json) => r.id), [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
  ]);
  const user = schemas.body.Resources[0].attributes.map((a: Json) => a.name);
  assert.deepEqual(user, [
    "userName",
    "externalId",
    "name",
    "displayName",
    "nickName",
    "preferredLanguage",
    "locale",
    "timezone",
    "emails",
    "active",
  ]);
  const group = schemas.body.Resources[1].attributes.map((a: Json) => a.name);
  assert.deepEqual(group, ["displayName", "externalId", "members"]);
  assertScimError(await scim("GET", "/Nothing"), 404);
});

Deno.test("scim — Okta: find by userName, create, deprovision with a path-less replace, re-activate; repeats change nothing", async () => {
  const email = "dewi@acme.test";
  const search = await scim(
    "GET",
    `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}&startIndex=1&count=100`,
  );
  assert.equal(search.status, 200);
  assert.deepEqual([search.body.totalResults, search.body.Resources], [0, []]);
  assert.deepEqual(search.body.schemas, ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]);

  const created = await scim("POST", "/Users", oktaUser(email));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  assert.equal(created.headers.get("location"), `${t.origin}${base}/Users/${id}`);
  assert.equal(created.body.meta.location, created.headers.get("location"));
  assert.equal(created.body.userName, email);
  assert.equal(created.body.active, true);
  assert.deepEqual(created.body.name, {
    givenName: "Dewi",
    familyName: "Lestari",
    formatted: "Dewi Lestari",
  });
  assert.equal(created.body.password, undefined, "a password is never kept nor answered");
  const user = await account(email);
  assert.deepEqual([user.email_verified, user.disabled, user.no_password], [true, false, true]);
  assert.equal(await memberOf(user.id), "member");
  assert.equal((await events("user.created")).filter((e) => (e.user as Json).email === email).length, 1);
  const joined = (await events("membership.created")).filter((e) =>
    (e.membership as Json).user_id === user.id
  );
  assert.deepEqual(joined.map((e) => e.reason), ["scim"]);
  const [createdAudit] = (await audit("scim.user_created")).filter((a) => a.target === `user:${user.id}`);
  assert.equal(createdAudit.actor, `scim:${acme.id}`);
  assert.equal(createdAudit.details.resource, id);

  const found = await scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "DEWI@acme.test"`)}`);
  assert.deepEqual(found.body.Resources.map((r: Json) => r.id), [id], "userName compares without case");
  assert.equal((await scim("GET", `/Users/${id}`)).body.userName, email);

  // Signed in twice: a session and a refresh token. Okta deprovisions with a path-less replace.
  await seedSession(sql, project.id, user.id);
  await redeemCode(sql, project, await issueCode(sql, project, { userId: user.id }), randomSecret());
  const off = {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", value: { active: false } }],
  };
  const deprovisioned = await scim("PATCH", `/Users/${id}`, off);
  assert.equal(deprovisioned.status, 200, JSON.stringify(deprovisioned.body));
  assert.equal(deprovisioned.body.active, false);
  assert.equal((await account(email)).disabled, true);
  assert.equal(await memberOf(user.id), null);
  const [live] = await sql`select
      (select count(*) from astapa.login_sessions where project_id = ${project.id} and user_id = ${user.id}
         and ended_at is null)::int as sessions,
      (select count(*) from astapa.refresh_tokens where project_id = ${project.id} and user_id = ${user.id}
         and revoked_at is null)::int as refresh_tokens`;
  assert.deepEqual({ ...live }, { sessions: 0, refresh_tokens: 0 }, "every way back ended");
  const [gone] = (await audit("scim.user_deprovisioned")).filter((a) => a.target === `user:${user.id}`);
  assert.deepEqual(
    [
      gone.details.membership_removed,
      gone.details.disabled,
      gone.details.sessions,
      gone.details.refresh_tokens,
    ],
    [true, true, 1, 1],
  );
  assert.deepEqual(
    (await events("membership.deleted")).filter((e) => (e.membership as Json).user_id === user.id).map((e) =>
      e.reason
    ),
    ["scim"],
  );

  const auditedBefore = (await audit("scim.user_deprovisioned")).length;
  const again = await scim("PATCH", `/Users/${id}`, off);
  assert.equal(again.status, 200);
  assert.equal(
    (await audit("scim.user_deprovisioned")).length,
    auditedBefore,
    "a repeat changes and audits nothing",
  );

  // Okta's profile push is a PUT; one that leaves active out keeps the person deprovisioned.
  const { active: _, ...withoutActive } = oktaUser(email, "Dewi", "Lestari-Putri");
  const put = await scim("PUT", `/Users/${id}`, withoutActive);
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual([put.body.active, put.body.name.familyName], [false, "Lestari-Putri"]);
  assert.equal((await account(email)).disabled, true);

  const on = await scim("PATCH", `/Users/${id}`, {
    Operations: [{ op: "replace", value: { active: true } }],
  });
  assert.equal(on.body.active, true);
  assert.equal((await account(email)).disabled, false);
  assert.equal(await memberOf(user.id), "member");
  assert.equal(
    (await audit("scim.user_reactivated")).filter((a) => a.target === `user:${user.id}`).length,
    1,
  );
  const [departed] = await sql`select count(*)::int as n from astapa.organization_departures
    where project_id = ${project.id} and user_id = ${user.id}`;
  assert.equal(departed.n, 0, "re-added: no departure remembered");
});

Deno.test("scim — Entra ID: externalId filter, capitalised ops, string booleans, email filters, userName change, DELETE", async () => {
  const email = "budi@acme.test";
  const entraUser = {
    schemas: [
      "urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    userName: email,
    active: "True",
    displayName: "Budi Santoso",
    emails: [{ primary: true, type: "work", value: email }],
    name: { formatted: "Budi Santoso", familyName: "Santoso", givenName: "Budi" },
    title: "Engineer",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "R&D" },
  };
  const none = await scim(
    "GET",
    `/Users?filter=${encodeURIComponent('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`,
  );
  assert.equal(none.body.totalResults, 0);
  const created = await scim("POST", "/Users", entraUser);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  const byExternal = await scim(
    "GET",
    `/Users?filter=${encodeURIComponent('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`,
  );
  assert.deepEqual(byExternal.body.Resources.map((r: Json) => r.id), [id]);
  const wrongCase = await scim(
    "GET",
    `/Users?filter=${encodeURIComponent('externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"')}`,
  );
  assert.equal(wrongCase.body.totalResults, 0, "externalId is case-exact");
  const byEmail = await scim(
    "GET",
    `/Users?filter=${encodeURIComponent(`emails[type eq "work"].value eq "${email}"`)}`,
  );
  assert.deepEqual(byEmail.body.Resources.map((r: Json) => r.id), [id]);

  const patched = await scim("PATCH", `/Users/${id}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [
      { op: "Replace", path: "displayName", value: "Budi S." },
      { op: "Add", path: "name.givenName", value: "Budiman" },
      {
        op: "Replace",
        path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        value: "Ops",
      },
      { op: "Remove", path: "title" },
    ],
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.displayName, "Budi S.");
  assert.equal(patched.body.name.givenName, "Budiman");
  assert.equal(patched.body.name.familyName, "Santoso");
  const [updated] = (await audit("scim.user_updated")).filter((a) => a.details.resource === id);
  assert.deepEqual(updated.details.changed, ["name.givenName", "displayName"]);

  // Entra moves the address: userName and the work email, in one request. A reset link mailed to the old
  // address dies with it (astapa.move_user_email).
  const before = await account(email);
  await sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
             values (${project.id}, ${new Uint8Array(32).fill(5)}, ${before!.id}, 'reset_password',
                     now() + interval '1 hour')`;
  const moved = await scim("PATCH", `/Users/${id}`, {
    Operations: [
      { op: "Replace", path: "userName", value: "budi.santoso@acme.test" },
      { op: "Replace", path: 'emails[type eq "work"].value', value: "budi.santoso@acme.test" },
    ],
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.deepEqual(moved.body.emails, [{ primary: true, type: "work", value: "budi.santoso@acme.test" }]);
  const user = await account("budi.santoso@acme.test");
  assert.ok(user, "the account's address moved with userName");
  assert.equal(await account(email), undefined);
  const [resetLink] = await sql`select used_at from astapa.email_tokens
                                where token_hash = ${new Uint8Array(32).fill(5)}`;
  assert.ok(resetLink.used_at, "the old address's reset link no longer works");
  assert.equal(
    (await audit("user.email_changed")).filter((a) => a.target === `user:${user.id}`)[0].details.by,
    "scim",
  );

  const off = await scim("PATCH", `/Users/${id}`, {
    Operations: [{ op: "Replace", path: "active", value: "False" }],
  });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.active, false);
  assert.equal((await account("budi.santoso@acme.test")).disabled, true);
  const on = await scim("PATCH", `/Users/${id}`, {
    Operations: [{ op: "replace", path: "ACTIVE", value: "true" }],
  });
  assert.equal(on.body.active, true);
  assert.equal((await account("budi.santoso@acme.test")).disabled, false);

  const deleted = await t.app.request(`${base}/Users/${id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${acme.token}` },
  });
  assert.equal(deleted.status, 204);
  assertScimError(await scim("GET", `/Users/${id}`), 404);
  assertScimError(await scim("DELETE", `/Users/${id}`), 404);
  const kept = await account("budi.santoso@acme.test");
  assert.deepEqual([kept.disabled, await memberOf(kept.id)], [true, null], "deprovisioned, never deleted");
  assert.equal((await audit("scim.user_deleted")).filter((a) => a.details.resource === id).length, 1);

  // Provisioned again after a DELETE: the same account, re-enabled (this directory disabled it).
  const back = await scim("POST", "/Users", { ...entraUser, userName: "budi.santoso@acme.test", emails: [] });
  assert.equal(back.status, 201, JSON.stringify(back.body));
  assert.notEqual(back.body.id, id);
  assert.equal((await account("budi.santoso@acme.test")).id, kept.id);
  assert.equal((await account("budi.santoso@acme.test")).disabled, false);
  assert.equal(await memberOf(kept.id), "member");
});

Deno.test("scim — names and locale set the person's profile (POST, PUT, both PATCH dialects); refused values dropped", async () => {
  const email = "wulan@acme.test";
  const userId = await seedUser(sql, project.id, email);
  await sql`update astapa.users set name = 'Her own name', locale = 'id-ID' where id = ${userId}`;
  const profile = async () => ({
    ...(await sql`select name, given_name, family_name, locale from astapa.users where id = ${userId}`)[0],
  });

  // Linked, and the IdP's names win over what the account had: it is the source of truth for its people.
  const created = await scim("POST", "/Users", oktaUser(email, "Sari", "Wulandari"));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  assert.deepEqual(await profile(), {
    name: "Sari Wulandari",
    given_name: "Sari",
    family_name: "Wulandari",
    locale: "en-US",
  });
  const listed = await scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`);
  assert.deepEqual(
    [listed.body.Resources[0].name, listed.body.Resources[0].displayName],
    [{ givenName: "Sari", familyName: "Wulandari", formatted: "Sari Wulandari" }, "Sari Wulandari"],
  );

  // Entra: a path into name, capitalised op; the name stays the displayName.
  const entra = await scim("PATCH", `/Users/${id}`, {
    Operations: [{ op: "Replace", path: "name.givenName", value: "Sri" }, {
      op: "Replace",
      path: "locale",
      value: "id_ID",
    }],
  });
  assert.equal(entra.status, 200, JSON.stringify(entra.body));
  assert.equal((await scim("GET", `/Users/${id}`)).body.name.givenName, "Sri");
  assert.deepEqual(await profile(), {
    name: "Sari Wulandari",
    given_name: "Sri",
    family_name: "Wulandari",
    locale: "id-ID",
  });

  // Okta: a path-less replace with a name object and a new displayName.
  const okta = await scim("PATCH", `/Users/${id}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{
      op: "replace",
      value: { name: { givenName: "Sari", familyName: "Putri" }, displayName: "Sari Putri" },
    }],
  });
  assert.equal(okta.status, 200, JSON.stringify(okta.body));
  assert.deepEqual(okta.body.name, { givenName: "Sari", familyName: "Putri", formatted: "Sari Putri" });
  assert.deepEqual(await profile(), {
    name: "Sari Putri",
    given_name: "Sari",
    family_name: "Putri",
    locale: "id-ID",
  });
  const audits = (await audit("user.profile_updated")).filter((a) => a.target === `user:${userId}`);
  assert.deepEqual(audits.map((a) => a.details.by), ["scim", "scim", "scim"]);
  assert.deepEqual(audits.at(-1)?.details.fields, ["name", "given_name", "family_name"]);
  const announced = (await events("user.updated")).filter((e) => (e.user as Json).id === userId);
  assert.equal((announced.at(-1)?.user as Json).name, "Sari Putri", "apps hear user.updated");

  // Values the profile's rules refuse are dropped, not a 400 that would stop the IdP's sync; the rest is saved.
  const refused = await scim("PUT", `/Users/${id}`, {
    ...oktaUser(email, "x".repeat(200), "Wijaya"),
    displayName: "gnp\u202Eexe",
    locale: "not a language",
  });
  assert.equal(refused.status, 200, JSON.stringify(refused.body));
  assert.deepEqual(await profile(), {
    name: "Sari Putri",
    given_name: "Sari",
    family_name: "Wijaya",
    locale: "id-ID",
  });

  // A PUT that sends no names leaves the profile as it is.
  const { name: _name, displayName: _displayName, locale: _locale, ...nameless } = oktaUser(email);
  assert.equal((await scim("PUT", `/Users/${id}`, nameless)).status, 200);
  assert.deepEqual((await profile()).family_name, "Wijaya");
  const bare = await scim("GET", `/Users/${id}`);
  assert.deepEqual([bare.body.name, bare.body.displayName], [undefined, undefined]);
});

Deno.test("scim — the domain guard: only the organization's verified domains; existing accounts linked, never taken over", async () => {
  const outside = await scim("POST", "/Users", oktaUser("mallory@evil.test"));
  assertScimError(outside, 403);
  assert.match(outside.body.detail, /not at a verified domain of ACME.*acme\.test/);
  assert.equal(await account("mallory@evil.test"), undefined);
  // Another organization's verified domain of the same project is not this directory's either.
  assertScimError(await scim("POST", "/Users", oktaUser("ben@beta.test")), 403);
  // A project user at another domain cannot be reached by renaming a provisioned one to their address.
  const victim = await seedUser(sql, project.id, "victim@other.test", { verified: true });
  const mine = await scim("POST", "/Users", oktaUser("sari@acme.test"));
  const renamed = await scim("PUT", `/Users/${mine.body.id}`, { ...oktaUser("victim@other.test") });
  assertScimError(renamed, 403);
  assert.equal((await account("victim@other.test")).id, victim);
  assert.equal((await account("sari@acme.test")).disabled, false);
  // A rename onto another account at the verified domain would merge two people: refused.
  await seedUser(sql, project.id, "taken@acme.test", { verified: true });
  assertScimError(
    await scim("PATCH", `/Users/${mine.body.id}`, {
      Operations: [{ op: "replace", path: "userName", value: "taken@acme.test" }],
    }),
    409,
    "uniqueness",
  );

  // An existing account at the verified domain is linked (audited), not duplicated.
  const existing = await seedUser(sql, project.id, "eka@acme.test", { verified: true });
  const linked = await scim("POST", "/Users", oktaUser("Eka@ACME.test"));
  assert.equal(linked.status, 201);
  assert.equal((await account("eka@acme.test")).id, existing);
  const [link] = (await audit("scim.user_linked")).filter((a) => a.target === `user:${existing}`);
  assert.equal(link.details.resource, linked.body.id);
  assertScimError(await scim("POST", "/Users", oktaUser("eka@acme.test")), 409, "uniqueness");

  // A user the project disabled itself is deprovisioned and re-activated without being re-enabled.
  const banned = await seedUser(sql, project.id, "banned@acme.test", { verified: true });
  await sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${banned}`;
  const res = await scim("POST", "/Users", oktaUser("banned@acme.test"));
  await scim("PATCH", `/Users/${res.body.id}`, {
    Operations: [{ op: "replace", path: "active", value: false }],
  });
  await scim("PATCH", `/Users/${res.body.id}`, {
    Operations: [{ op: "replace", path: "active", value: true }],
  });
  assert.equal(
    (await account("banned@acme.test")).disabled,
    true,
    "only what the directory disabled it enables",
  );
});

Deno.test("scim — two IdP workers creating one person at once: one account, one 201 and one 409", async () => {
  const twice = await Promise.all([1, 2].map(() => scim("POST", "/Users", oktaUser("twin@acme.test"))));
  assert.deepEqual(twice.map((r) => r.status).sort(), [201, 409]);
  const [count] = await sql`select count(*)::int as n from astapa.users where email_lower = 'twin@acme.test'`;
  assert.equal(count.n, 1);
  // A filter as a form encodes it ("+" for spaces), which Entra ID sends.
  const found = await scim("GET", "/Users?filter=userName+eq+%22twin%40acme.test%22");
  assert.equal(found.body.totalResults, 1);
});

Deno.test("scim — paging with startIndex and count", async () => {
  for (const n of [1, 2, 3]) {
    assert.equal((await scim("POST", "/Users", oktaUser(`page${n}@acme.test`))).status, 201);
  }
  const all = await scim("GET", "/Users?count=1000");
  const total = all.body.totalResults as number;
  assert.ok(total >= 3);
  assert.equal(all.body.Resources.length, Math.min(total, 100));
  const page = await scim("GET", "/Users?startIndex=2&count=2");
  assert.deepEqual([page.body.startIndex, page.body.itemsPerPage, page.body.totalResults], [2, 2, total]);
  assert.deepEqual(
    page.body.Resources.map((r: Json) => r.id),
    all.body.Resources.slice(1, 3).map((r: Json) => r.id),
  );
  const counted = await scim("GET", "/Users?count=0");
  assert.deepEqual([counted.body.totalResults, counted.body.Resources], [total, []]);
  const below = await scim("GET", "/Users?startIndex=-5&count=1");
  assert.equal(below.body.Resources[0].id, all.body.Resources[0].id, "startIndex below 1 is 1");
  assertScimError(await scim("GET", "/Users?count=abc"), 400, "invalidValue");
});

Deno.test("scim — nickName, preferredLanguage, timezone and name.formatted: kept on the resource, set on the profile (Okta POST and PUT, Entra PATCH)", async () => {
  const email = "ratna@acme.test";
  const profile = async () => ({
    ...(await sql`select u.name, u.nickname, u.locale, u.zoneinfo from astapa.users u
                    where u.project_id = ${project.id} and u.email_lower = ${email}`)[0],
  });
  // Okta: its profile attributes beside the user (preferredLanguage in Accept-Language form, a zone in lower case).
  const created = await scim("POST", "/Users", {
    ...oktaUser(email, "Ratna", "Sari"),
    name: { givenName: "Ratna", familyName: "Sari", formatted: "Ir. Ratna Sari" },
    displayName: undefined,
    nickName: "Nana",
    preferredLanguage: "id-ID, en-US;q=0.9, *;q=0.1",
    locale: "en-US",
    timezone: "asia/jakarta",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  const got = (await scim("GET", `/Users/${id}`)).body;
  assert.deepEqual(
    [got.name.formatted, got.nickName, got.preferredLanguage, got.locale, got.timezone],
    ["Ir. Ratna Sari", "Nana", "id-ID, en-US;q=0.9, *;q=0.1", "en-US", "asia/jakarta"],
    "GET answers what the IdP set",
  );
  assert.deepEqual(await profile(), {
    name: "Ir. Ratna Sari",
    nickname: "Nana",
    locale: "id-ID",
    zoneinfo: "Asia/Jakarta",
  });

  // The app renames her; a PATCH of active alone (Okta's deprovision, Entra's "False") sets nothing of the profile.
  await sql`update astapa.users set name = 'Ratna (app)' where project_id = ${project.id} and email_lower = ${email}`;
  for (const value of [false, "True"]) {
    const toggled = await scim("PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: typeof value === "string" ? "Replace" : "replace", value: { active: value } }],
    });
    assert.equal(toggled.status, 200, JSON.stringify(toggled.body));
    assert.equal((await profile()).name, "Ratna (app)", "active alone leaves the name the app set");
    assert.equal(toggled.body.name.formatted, "Ir. Ratna Sari");
  }

  // Entra: paths to the new attributes, capitalised; a language with a weight, a zone Postgres does not know
  // (dropped, the rest saved, no 400).
  const entra = await scim("PATCH", `/Users/${id}`, {
    Operations: [
      { op: "Replace", path: "nickName", value: "Ratu" },
      { op: "Replace", path: "preferredLanguage", value: "en-GB;q=0.5, ms-MY" },
      { op: "Add", path: "timezone", value: "Mars/Olympus" },
    ],
  });
  assert.equal(entra.status, 200, JSON.stringify(entra.body));
  assert.deepEqual(await profile(), {
    name: "Ratna (app)",
    nickname: "Ratu",
    locale: "ms-MY",
    zoneinfo: "Asia/Jakarta",
  });
  const [updated] = (await audit("scim.user_updated")).filter((a) => a.details.resource === id).slice(-1);
  assert.deepEqual(updated.details.changed, ["nickName", "preferredLanguage", "timezone"]);

  // Okta's PUT of the whole resource: what changed is set again (the formatted name, so the name), the rest stays.
  const put = await scim("PUT", `/Users/${id}`, {
    ...oktaUser(email, "Ratna", "Sari"),
    name: { givenName: "Ratna", familyName: "Sari", formatted: "Ratna Sari, M.T." },
    displayName: undefined,
    nickName: "Ratu",
    preferredLanguage: "en-GB;q=0.5, ms-MY",
    timezone: "Asia/Makassar",
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(await profile(), {
    name: "Ratna Sari, M.T.",
    nickname: "Ratu",
    locale: "ms-MY",
    zoneinfo: "Asia/Makassar",
  });

  // Found by family or given name, without case (Entra's and Okta's lookups before a create).
  for (const filter of ['name.familyName eq "SARI"', 'name.givenName eq "ratna"']) {
    const found = await scim("GET", `/Users?filter=${encodeURIComponent(filter)}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(found.body.Resources.map((r: Json) => r.id), [id], filter);
  }
});

Deno.test("scim — malformed and unsupported filters are 400 invalidFilter, never a 500", async () => {
  for (
    const filter of [
      "userName eq",
      'userName co "dewi"',
      'userName eq "dewi@acme.test" and active eq true',
      "(((((",
      'userName eq "unterminated',
      'title eq "x"',
      "userName eq dewi",
      '"',
      "x".repeat(5000),
    ]
  ) {
    assertScimError(await scim("GET", `/Users?filter=${encodeURIComponent(filter)}`), 400, "invalidFilter");
  }
});

Deno.test("scim — bad bodies: too large, too deep, not JSON, missing userName, unknown op: 4xx in SCIM's shape", async () => {
  const before = (await sql`select count(*)::int as n from astapa.scim_users`)[0].n;
  const huge = JSON.stringify({ ...oktaUser("huge@acme.test"), padding: "x".repeat(200_000) });
  assertScimError(await scim("POST", "/Users", huge), 413);
  // Past the app's own 1 MiB limit, which runs before SCIM's: still SCIM's shape.
  const enormous = JSON.stringify({ ...oktaUser("enormous@acme.test"), padding: "x".repeat(1_100_000) });
  assertScimError(await scim("POST", "/Users", enormous), 413);
  assertScimError(
    await scim("POST", "/Users", "[".repeat(5_000) + "]".repeat(5_000)),
    400,
    "invalidSyntax",
  );
  assertScimError(await scim("POST", "/Users", "{not json"), 400, "invalidSyntax");
  assertScimError(await scim("POST", "/Users", { name: { givenName: "No" } }), 400, "invalidValue");
  assertScimError(await scim("POST", "/Users", { userName: "not-an-address" }), 400, "invalidValue");
  assertScimError(
    await scim("POST", "/Users", { ...oktaUser("bad@acme.test"), active: "maybe" }),
    400,
    "invalidValue",
  );
  const someone = (await scim("GET", "/Users?count=1")).body.Resources[0].id as string;
  assertScimError(
    await scim("PATCH", `/Users/${someone}`, { Operations: [{ op: "move", path: "active" }] }),
    400,
    "invalidSyntax",
  );
  assertScimError(
    await scim("PATCH", `/Users/${someone}`, { Operations: [{ op: "remove" }] }),
    400,
    "noTarget",
  );
  assertScimError(
    await scim("PATCH", `/Users/${someone}`, { Operations: [{ op: "remove", path: "userName" }] }),
    400,
    "invalidValue",
  );
  assertScimError(await scim("GET", "/Users/not-a-uuid"), 404);
  assertScimError(await scim("GET", "/Users/00000000-0000-0000-0000-000000000000"), 404);
  const form = await t.app.request(`${base}/Users`, {
    method: "POST",
    headers: { authorization: `Bearer ${acme.token}`, "content-type": "application/x-www-form-urlencoded" },
    body: "userName=x@acme.test",
  });
  assert.equal(form.status, 415);
  assert.equal(
    (await sql`select count(*)::int as n from astapa.scim_users`)[0].n,
    before,
    "nothing was stored",
  );
});
