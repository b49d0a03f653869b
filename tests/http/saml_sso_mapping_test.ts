/**
 * A SAML connection's attribute mapping and group roles (docs/enterprise-sso.md "Attribute mapping and groups")
 * through the real ACS: a connection without them reads the well-known names and never reads groups; mapped, the
 * address, names and groups come from the mapped attributes (not the NameID), the role follows the groups across
 * sign-ins (promoted, then demoted), an owner keeps theirs, too many groups is a clean refusal, and a Response from
 * the IdP's portal keeps its groups for the sign-in the app then starts.
 */
import assert from "node:assert/strict";
import { encodeResponse } from "../fakes/saml_idp.ts";
import { samlSetUp } from "../helpers/saml_sso.ts";

const s = await samlSetUp();
Deno.test.afterAll(() => s.close());
const { t, idp } = s;

const PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const many = Array.from({ length: 201 }, (_, i) => `group-${i}`);
const roleOf = async (email: string) =>
  (await t.db.sql`select m.role from astapa.organization_memberships m join astapa.users u
    on u.project_id = m.project_id and u.id = m.user_id where m.organization_id = ${s.org} and u.email = ${email}`)[
    0
  ]
    ?.role ?? null;

Deno.test("SAML SSO mapping — without one: the NameID address, groups never read (as before)", async () => {
  const read = await s.api("GET", "/organizations/acme/sso-connection");
  assert.deepEqual([read.body.attribute_mapping, read.body.group_roles], [{}, {}]);
  const claims = await s.appClaims(
    await s.signIn({ nameId: "dewi@acme.test", attributes: { groups: many, mail: "other@acme.test" } }),
  );
  assert.deepEqual([claims.email, claims.org_role], ["dewi@acme.test", "member"]);
});

Deno.test("SAML SSO mapping — mapped attributes and groups: the role follows the groups at each sign-in", async () => {
  const put = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    attribute_mapping: { email: "mail", given_name: "first", groups: "memberOf" },
    group_roles: { "cn=eng,ou=groups,dc=acme": "admin", Staff: "member" },
  });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.body.group_roles, { "cn=eng,ou=groups,dc=acme": "admin", Staff: "member" });
  assert.equal(put.body.idp_entity_id, idp.entityId, "the IdP is kept");
  const as = (groups: string | string[]) => ({
    nameId: "00u1wulan",
    nameIdFormat: PERSISTENT,
    attributes: { mail: "wulan@acme.test", first: "Wulan", email: "not-this@acme.test", memberOf: groups },
  });
  const promoted = await s.appClaims(
    await s.signIn(as(["Staff", "cn=eng,ou=groups,dc=acme"]), "wulan@acme.test"),
  );
  assert.deepEqual([promoted.email, promoted.org_id, promoted.org_role], ["wulan@acme.test", s.org, "admin"]);
  const [named] = await t.db.sql`select given_name from astapa.users where email = 'wulan@acme.test'`;
  assert.equal(named.given_name, "Wulan");
  const demoted = await s.appClaims(await s.signIn(as("Staff"), "wulan@acme.test"));
  assert.deepEqual([demoted.sub, demoted.org_role], [promoted.sub, "member"]);
  // Too many groups: the SSO refusal page (logged sso_groups_too_many), the assertion used, nothing else changed.
  const before = await s.footprint();
  const refused = await s.signIn(as(["cn=eng,ou=groups,dc=acme", ...many]), "wulan@acme.test");
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /sent more groups for you than this app accepts/);
  assert.deepEqual(await s.footprint(), before);
  assert.equal(await roleOf("wulan@acme.test"), "member");
  // Entra ID's overage: past 150 groups the assertion carries only where to fetch them, no groups. Read as none,
  // the person would be demoted; refused as too many groups instead.
  const overage = await s.signIn({
    nameId: "00u1wulan",
    nameIdFormat: PERSISTENT,
    attributes: {
      mail: "wulan@acme.test",
      "http://schemas.microsoft.com/claims/groups.link":
        "https://graph.windows.net/acme/users/wulan/getMemberObjects",
    },
  }, "wulan@acme.test");
  assert.equal(overage.status, 400);
  assert.match(await overage.text(), /sent more groups for you than this app accepts/);
  assert.deepEqual(await s.footprint(), before);
});

Deno.test("SAML SSO mapping — an owner keeps their role whatever the groups; an unmapped address attribute is no address", async () => {
  const put = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    attribute_mapping: { email: "mail", groups: "memberOf" },
  });
  assert.equal(put.status, 200, put.text);
  const answer = (groups: string[]) => ({
    nameId: "00u1owner",
    nameIdFormat: PERSISTENT,
    attributes: { mail: "owner@acme.test", memberOf: groups },
  });
  const first = await s.appClaims(await s.signIn(answer(["Staff"]), "owner@acme.test"));
  const made = await s.api("PATCH", `/organizations/acme/members/${first.sub}`, { role: "owner" });
  assert.equal(made.status, 200, made.text);
  for (const groups of [["cn=eng,ou=groups,dc=acme"], []]) {
    assert.equal((await s.appClaims(await s.signIn(answer(groups), "owner@acme.test"))).org_role, "owner");
  }
  // The mapped attribute missing: no address (the NameID is not read in its place).
  const none = await s.signIn(
    { nameId: "nobody@acme.test", attributes: { memberOf: ["Staff"] } },
    "nobody@acme.test",
  );
  assert.equal(none.status, 422);
});

Deno.test("SAML SSO mapping — a Response from the IdP's portal keeps its groups with the pending sign-in", async () => {
  const on = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_initiated: true,
  });
  assert.equal(on.status, 200, on.text);
  const start = await s.api("PATCH", "/initiate-login-settings", {
    initiate_login_uri: "https://app.example/start",
  });
  assert.equal(start.status, 200, start.text);
  const tile = encodeResponse(idp.signedXml({
    inResponseTo: "",
    idpInitiated: true,
    acsUrl: s.connection.acs_url,
    audience: s.connection.sp_entity_id,
    nameId: "00u1tile",
    nameIdFormat: PERSISTENT,
    attributes: { mail: "tile@acme.test", memberOf: ["cn=eng,ou=groups,dc=acme", "Unmapped"] },
  }));
  const posted = await t.app.request(new URL(s.connection.acs_url).pathname, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://idp.acme.test" },
    body: new URLSearchParams({ SAMLResponse: tile }),
  });
  assert.equal(posted.status, 303, await posted.text());
  const [pending] = await t.db.sql`select groups from astapa.sso_pending_sign_ins
    where project_id = ${s.project.id} and email = 'tile@acme.test'`;
  assert.deepEqual(pending.groups, ["cn=eng,ou=groups,dc=acme", "Unmapped"]);
});
