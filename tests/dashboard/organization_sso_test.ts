/** The dashboard's Organizations page: an organization's SSO connection shown (never its secret), set and removed. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { startFakeSamlIdp } from "../fakes/saml_idp.ts";

const idp = await startFakeGoogle({ clientId: "astapa", clientSecret: "dashboard-idp-secret-42" });
const t = await testApp();
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
Deno.test.afterAll(async () => {
  await t.close();
  await idp.close();
});
const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Kopi" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

Deno.test("organizations page — SSO: admins set it up and remove it; the secret never shows; viewers read", async () => {
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_organization('Acme', 'acme', null)`;
    await tx`select api.add_organization_domain('acme', 'acme.example')`;
    await tx`select api.verify_organization_domain('acme', 'acme.example')`;
  });
  const fields = {
    organization: "acme",
    action: "save",
    issuer: idp.issuer,
    idp_client_id: idp.clientId,
    idp_client_secret: idp.clientSecret,
    enabled: "on",
  };
  assert.equal((await postAs(t, viewer, `${base}/organizations/sso`, fields)).status, 403);
  const saved = await postAs(t, owner, `${base}/organizations/sso`, fields);
  assert.equal(saved.status, 303, await saved.text());
  assert.equal(saved.headers.get("location"), `${base}/organizations?done=sso_saved`);
  const html = await (await getAs(t, viewer, `${base}/organizations`)).text();
  assert.match(html, /data-sso="enabled"/);
  assert.match(html, /acme\.example/);
  // The back-channel logout URL to register at the IdP.
  assert.match(html, /\/auth\/sso\/oidc\/sso_[a-z2-7]{24}\/backchannel-logout/);
  assert.ok(!html.includes(idp.clientSecret));
  assert.doesNotMatch(html, /Save SSO connection/, "viewers get no form");
  const bad = await postAs(t, owner, `${base}/organizations/sso`, {
    ...fields,
    issuer: `${idp.issuer}/nope`,
  });
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /discovery document/);
  const removed = await postAs(t, owner, `${base}/organizations/sso`, {
    organization: "acme",
    action: "remove",
  });
  assert.equal(removed.headers.get("location"), `${base}/organizations?done=sso_removed`);
  assert.match(await (await getAs(t, owner, `${base}/organizations`)).text(), /data-sso="none"/);
});

Deno.test("organizations page — SAML: an admin saves it from the IdP's metadata; the page shows the URLs to give the IdP", async () => {
  const saml = await startFakeSamlIdp();
  try {
    await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Beta', 'beta', null)`);
    const fields = {
      organization: "beta",
      action: "save_saml",
      idp_metadata_xml: saml.metadata(),
      enabled: "on",
    };
    assert.equal((await postAs(t, viewer, `${base}/organizations/sso`, fields)).status, 403);
    // Saved empty first: the URLs to give the IdP, waiting for its metadata (and off).
    const empty = await postAs(t, owner, `${base}/organizations/sso`, { ...fields, idp_metadata_xml: "" });
    assert.equal(empty.status, 303, await empty.text());
    const waiting = await (await getAs(t, owner, `${base}/organizations`)).text();
    assert.match(waiting, /waiting for the IdP's metadata/);
    assert.match(waiting, /\/auth\/sso\/saml\/sso_[a-z2-7]{24}\/acs/);
    const bad = await postAs(t, owner, `${base}/organizations/sso`, { ...fields, idp_metadata_xml: "<x/>" });
    assert.equal(bad.status, 422);
    assert.match(
      await bad.text(),
      /The SAML metadata: the metadata must describe exactly one identity provider/,
    );
    const saved = await postAs(t, owner, `${base}/organizations/sso`, fields);
    assert.equal(saved.status, 303, await saved.text());
    const [row] = await t.db.sql`select s.id from astapa.sso_connections s join astapa.organizations o
      on o.project_id = s.project_id and o.id = s.organization_id where o.slug = 'beta'`;
    const html = await (await getAs(t, viewer, `${base}/organizations`)).text();
    assert.ok(html.includes(`${t.origin}/auth/sso/saml/${row.id}/acs`), "the ACS URL to copy");
    assert.ok(html.includes(saml.entityId));
    assert.doesNotMatch(html, /Save SAML connection/, "viewers get no form");
  } finally {
    await saml.close();
  }
});

Deno.test("organizations page — SAML: encryption and signing switches, the certificate rolled and the old one removed", async () => {
  const saml = await startFakeSamlIdp();
  try {
    await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Gamma', 'gamma', null)`);
    const save = {
      organization: "gamma",
      action: "save_saml",
      idp_metadata_xml: saml.metadata(),
      enabled: "on",
      want_assertions_encrypted: "on",
      sign_authn_requests: "on",
      idp_initiated: "on",
    };
    assert.equal((await postAs(t, owner, `${base}/organizations/sso`, save)).status, 303);
    const html = await (await getAs(t, owner, `${base}/organizations`)).text();
    assert.match(
      html,
      /Assertions must be encrypted · requests signed · sign-in from the IdP.{1,6}s portal on/,
    );
    assert.match(html, /name="idp_initiated" checked/);
    assert.match(html, /data-sp-certificate="current"/);
    assert.match(html, /-----BEGIN CERTIFICATE-----/);
    assert.match(html, /Roll the certificate/);
    const roll = { organization: "gamma", action: "rotate_sp_certificate" };
    assert.equal((await postAs(t, viewer, `${base}/organizations/sso`, roll)).status, 403);
    const rolled = await postAs(t, owner, `${base}/organizations/sso`, roll);
    assert.equal(rolled.headers.get("location"), `${base}/organizations?done=sso_certificate_rotated`);
    const rotating = await (await getAs(t, owner, `${base}/organizations`)).text();
    assert.match(rotating, /data-sp-certificate="previous"/);
    assert.match(rotating, /Remove the previous certificate/);
    const removed = await postAs(t, owner, `${base}/organizations/sso`, {
      organization: "gamma",
      action: "remove_previous_sp_certificate",
    });
    assert.equal(removed.headers.get("location"), `${base}/organizations?done=sso_certificate_removed`);
    const after = await (await getAs(t, viewer, `${base}/organizations`)).text();
    assert.doesNotMatch(after, /data-sp-certificate="previous"/);
    assert.doesNotMatch(after, /Roll the certificate/, "viewers get no button");
    assert.doesNotMatch(after + rotating + html, /PRIVATE KEY|private_key_sealed/);
  } finally {
    await saml.close();
  }
});

Deno.test("organizations page — SSO attribute names and group roles: admins edit them, viewers read them; bad lines refused", async () => {
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_organization('Kappa', 'kappa', null)`;
    await tx`select api.put_sso_connection('kappa', 'https://idp.kappa.example', 'astapa', 'c2VhbGVk', true, true)`;
  });
  const fields = {
    organization: "kappa",
    action: "save_mapping",
    email_attribute: "mail",
    given_name_attribute: "",
    family_name_attribute: "",
    groups_attribute: "roles",
    group_roles: "Engineering=admin\r\ncn=staff,dc=kappa=member\r\n",
  };
  assert.equal((await postAs(t, viewer, `${base}/organizations/sso`, fields)).status, 403);
  const saved = await postAs(t, owner, `${base}/organizations/sso`, fields);
  assert.equal(saved.status, 303, await saved.text());
  assert.equal(saved.headers.get("location"), `${base}/organizations?done=sso_mapping_saved`);
  const shown = await (await getAs(t, viewer, `${base}/organizations`)).text();
  assert.match(shown, /email ← <code>mail<\/code>/);
  assert.match(shown, /<code>Engineering<\/code> → admin/);
  assert.match(shown, /<code>cn=staff,dc=kappa<\/code> → member/);
  assert.doesNotMatch(shown, /Save attributes and group roles/, "viewers get no form");
  const admin = await (await getAs(t, owner, `${base}/organizations`)).text();
  assert.match(admin, /Save attributes and group roles/);
  for (
    const [roles, message] of [["Engineering", /is not GROUP=ROLE/], ["Boss=owner", /owner is not mapped/]]
  ) {
    const bad = await postAs(t, owner, `${base}/organizations/sso`, {
      ...fields,
      group_roles: roles as string,
    });
    assert.equal(bad.status, 422);
    assert.match(await bad.text(), message as RegExp);
  }
  const [row] = await t.db.sql`select issuer, email_attribute from astapa.sso_connections c
    join astapa.organizations o on o.project_id = c.project_id and o.id = c.organization_id where o.slug = 'kappa'`;
  assert.deepEqual({ ...row }, { issuer: "https://idp.kappa.example", email_attribute: "mail" });
});
