/** The SDK's `ssoConnections` against a served Astapa and a local OpenID Provider: put, get, remove; typed errors. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { AstapaError, createAstapa } from "@/sdk/mod.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { startFakeSamlIdp } from "../fakes/saml_idp.ts";

const idp = await startFakeGoogle({
  clientId: "astapa",
  clientSecret: "idp-secret-for-the-sdk-test",
});
const t = await testApp({ listen: true });
t.deps.clientMetadataFetch = {
  allowHttp: true,
  allowPrivate: true,
  timeoutMs: 2000,
};
Deno.test.afterAll(async () => {
  await t.close();
  await idp.close();
});
const project = await seedProject(t.db.sql, {
  redirectUri: "http://localhost:3000/callback",
});
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  redirectUri: project.redirectUri,
});

Deno.test("sdk — ssoConnections: put, get (no secret), remove; a bad issuer is a typed 400", async () => {
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_organization('Acme', 'acme', null)`;
    await tx`select api.add_organization_domain('acme', 'acme.example')`;
    await tx`select api.verify_organization_domain('acme', 'acme.example')`;
  });
  const input = {
    issuer: idp.issuer,
    idp_client_id: idp.clientId,
    idp_client_secret: idp.clientSecret,
  };
  const put = await astapa.ssoConnections.put("acme", input);
  assert.deepEqual([put.issuer, put.enabled, put.domains], [idp.issuer, true, [
    "acme.example",
  ]]);
  const read = await astapa.ssoConnections.get("acme");
  assert.equal(read.id, put.id);
  assert.ok(
    read.protocol === "oidc" &&
      read.backchannel_logout_url.endsWith(`/auth/sso/oidc/${read.id}/backchannel-logout`),
  );
  assert.ok(!JSON.stringify(read).includes(idp.clientSecret));
  const bad = await astapa.ssoConnections.put("acme", {
    ...input,
    issuer: `${idp.issuer}/missing`,
  }).then(
    () => assert.fail("a bad issuer was saved"),
    (error: unknown) => error,
  );
  assert.ok(bad instanceof AstapaError);
  assert.equal(bad.status, 400);
  await astapa.ssoConnections.remove("acme");
  const gone = await astapa.ssoConnections.get("acme").catch((error: unknown) => error);
  assert.ok(gone instanceof AstapaError && gone.status === 404);
});

Deno.test("sdk — ssoConnections: a SAML connection from metadata answers the SP URLs to give the IdP", async () => {
  const saml = await startFakeSamlIdp();
  try {
    await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Beta', 'beta', null)`);
    const put = await astapa.ssoConnections.put("beta", {
      protocol: "saml",
      idp_metadata_xml: saml.metadata(),
    });
    assert.deepEqual([put.protocol, put.idp_entity_id, put.acs_url], [
      "saml",
      saml.entityId,
      `${t.origin}/auth/sso/saml/${put.id}/acs`,
    ]);
    const read = await astapa.ssoConnections.get("beta");
    assert.ok(read.protocol === "saml" && read.sp_entity_id === put.sp_entity_id);
    // The two settings, and the connection's own certificate rolled and the rotation ended.
    const strict = await astapa.ssoConnections.put("beta", {
      protocol: "saml",
      want_assertions_encrypted: true,
      sign_authn_requests: true,
      idp_initiated: true,
      idp_slo_url: "https://idp.example/slo",
    });
    assert.deepEqual(
      [
        strict.want_assertions_encrypted,
        strict.sign_authn_requests,
        strict.idp_initiated,
        strict.idp_slo_url,
      ],
      [true, true, true, "https://idp.example/slo"],
    );
    const first = strict.sp_certificates[0];
    const rotated = await astapa.ssoConnections.rotateCertificate("beta");
    assert.deepEqual(rotated.sp_certificates.map((k) => [k.state, k.id === first.id]), [
      ["current", false],
      ["previous", true],
    ]);
    const twice = await astapa.ssoConnections.rotateCertificate("beta").catch((error: unknown) => error);
    assert.ok(twice instanceof AstapaError && twice.status === 409);
    const ended = await astapa.ssoConnections.removePreviousCertificate("beta");
    assert.deepEqual(ended.sp_certificates.map((k) => k.state), ["current"]);
    assert.doesNotMatch(JSON.stringify([strict, rotated, ended]), /private_key|PRIVATE KEY/);
    const bad = await astapa.ssoConnections.put("beta", { protocol: "saml", idp_metadata_xml: "<x/>" })
      .catch((error: unknown) => error);
    assert.ok(bad instanceof AstapaError && bad.status === 400);
  } finally {
    await saml.close();
  }
});

Deno.test("sdk — ssoConnections: attribute_mapping and group_roles set, read, kept when left out; owner is a typed 400", async () => {
  await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Gamma', 'gamma', null)`);
  const input = {
    issuer: idp.issuer,
    idp_client_id: idp.clientId,
    idp_client_secret: idp.clientSecret,
    attribute_mapping: { email: "mail", groups: "roles" },
    group_roles: { Engineering: "admin", Everyone: "member" },
  };
  const put = await astapa.ssoConnections.put("gamma", input);
  assert.deepEqual([put.attribute_mapping, put.group_roles], [input.attribute_mapping, input.group_roles]);
  const kept = await astapa.ssoConnections.put("gamma", { issuer: idp.issuer, idp_client_id: idp.clientId });
  assert.deepEqual(kept.group_roles, input.group_roles);
  const cleared = await astapa.ssoConnections.put("gamma", {
    issuer: idp.issuer,
    idp_client_id: idp.clientId,
    attribute_mapping: { email: null },
    group_roles: {},
  });
  assert.deepEqual([cleared.attribute_mapping, cleared.group_roles], [{}, {}]);
  const owner = await astapa.ssoConnections.put("gamma", {
    issuer: idp.issuer,
    idp_client_id: idp.clientId,
    group_roles: { Boss: "owner" },
  }).catch((error: unknown) => error);
  assert.ok(owner instanceof AstapaError && owner.status === 400);
});
