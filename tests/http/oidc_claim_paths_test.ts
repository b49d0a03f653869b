/**
 * An OpenID Connect connection's attribute mapping naming nested claims (docs/enterprise-sso.md "Attribute mapping
 * and groups"), against the fake OpenID Provider: a Keycloak-style `resource_access.<client>.roles` gives the
 * groups (a client id with a dot in it too), `profile.name.given` the given name, a URL-named claim the address;
 * a top-level claim named like the path wins over the nested one; a path with an empty part is a 400 naming the
 * field, and nothing is saved.
 */
import assert from "node:assert/strict";
import { seedProject } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { appWithIdp, connectOidc, signInThroughIdp } from "../helpers/oidc_sso.ts";

const { t, idp } = await appWithIdp();
const { sql } = t.db;
const project = await seedProject(sql, { name: "Kantor" });
const api = platformApi(t, project);
await connectOidc(api, "acme", "acme.test", idp);
const keep = { issuer: idp.issuer, idp_client_id: idp.clientId };
const mapping = {
  email: "https://acme.test/claims/mail",
  given_name: "profile.name.given",
  groups: "resource_access.app.v2.roles",
};
const saved = await api("PUT", "/organizations/acme/sso-connection", {
  ...keep,
  attribute_mapping: mapping,
  group_roles: { eng: "admin", staff: "member" },
  // The IdP is authoritative for the mapped address (a mapped claim is not what email_verified speaks of).
  email_verified_required: false,
});
assert.equal(saved.status, 200, saved.text);

async function person(email: string) {
  const [row] = await sql`select u.given_name, m.role from astapa.users u
    join astapa.organization_memberships m on m.project_id = u.project_id and m.user_id = u.id
    where u.project_id = ${project.id} and u.email = ${email}`;
  return row as { given_name: string | null; role: string } | undefined;
}

Deno.test("OIDC claim paths — nested claims give the address, the given name and the groups", async () => {
  const claims = {
    // The email claim is another address: the mapped one is read, not it.
    email: "someone-else@acme.test",
    "https://acme.test/claims/mail": "hana@acme.test",
    profile: { name: { given: "Hana" } },
    resource_access: { "app.v2": { roles: ["eng"] }, other: { roles: ["staff"] } },
  };
  const res = await signInThroughIdp(t, project, idp, { sub: "acme-hana", email: "hana@acme.test", claims });
  assert.equal(res.status, 303, await res.clone().text());
  assert.deepEqual(await person("hana@acme.test"), { given_name: "Hana", role: "admin" });
});

Deno.test("OIDC claim paths — a top-level claim named like the path is read first", async () => {
  const flat = await api("PUT", "/organizations/acme/sso-connection", {
    ...keep,
    attribute_mapping: { ...mapping, groups: "realm_access.roles" },
  });
  assert.equal(flat.body.email_verified_required, false);
  assert.equal(flat.status, 200, flat.text);
  const claims = {
    "https://acme.test/claims/mail": "budi@acme.test",
    "realm_access.roles": ["staff"],
    realm_access: { roles: ["eng"] },
  };
  const res = await signInThroughIdp(t, project, idp, { sub: "acme-budi", email: "budi@acme.test", claims });
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal((await person("budi@acme.test"))?.role, "member");
});

Deno.test("OIDC claim paths — a path with an empty part is refused at save, naming the field; nothing changes", async () => {
  const before = await api("GET", "/organizations/acme/sso-connection");
  for (const bad of ["realm_access..roles", ".roles", "roles."]) {
    const res = await api("PUT", "/organizations/acme/sso-connection", {
      ...keep,
      attribute_mapping: { groups: bad },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, "validation_failed");
    assert.match(String(res.body.fields["attribute_mapping.groups"]), /claim path has no empty part/);
  }
  const after = await api("GET", "/organizations/acme/sso-connection");
  assert.deepEqual(after.body.attribute_mapping, before.body.attribute_mapping);
});

Deno.test("OIDC groups — Entra ID's overage (groups only pointed to) refuses the sign-in as too many groups, nothing made", async () => {
  const saved = await api("PUT", "/organizations/acme/sso-connection", {
    ...keep,
    attribute_mapping: { email: "https://acme.test/claims/mail" },
  });
  assert.equal(saved.status, 200, saved.text);
  const claims = {
    "https://acme.test/claims/mail": "sari@acme.test",
    _claim_names: { groups: "src1" },
    _claim_sources: { src1: { endpoint: "https://graph.windows.net/acme/users/sari/getMemberObjects" } },
  };
  const res = await signInThroughIdp(t, project, idp, { sub: "acme-sari", email: "sari@acme.test", claims });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /sent more groups for you than this app accepts/);
  const [made] = await sql`select count(*)::int as n from astapa.users where email = 'sari@acme.test'`;
  assert.equal(made.n, 0);
  // With the groups in the token, the same person signs in.
  const inline = { "https://acme.test/claims/mail": "sari@acme.test", groups: ["staff"] };
  const signedIn = await signInThroughIdp(t, project, idp, {
    sub: "acme-sari",
    email: "sari@acme.test",
    claims: inline,
  });
  assert.equal(signedIn.status, 303, await signedIn.clone().text());
  assert.equal((await person("sari@acme.test"))?.role, "member");
});
