/**
 * SAML enterprise SSO (docs/enterprise-sso.md, "SAML") against a local IdP (tests/fakes/saml_idp.ts): configuring a
 * connection through the Platform API from metadata (XML or URL) or fields, with readable field errors; the SP
 * metadata; and the hosted login end to end — the AuthnRequest by redirect, the flow cookie a cross-site POST
 * carries, the signed Response to a token with the organization's claims.
 */
import assert from "node:assert/strict";
import { encodeResponse, signingKey } from "../fakes/saml_idp.ts";
import { samlSetUp } from "../helpers/saml_sso.ts";

const s = await samlSetUp();
Deno.test.afterAll(() => s.close());
const { t, idp, connection } = s;

Deno.test("SAML SSO — configure from metadata: the IdP's fields, the SP URLs to give the IdP, audited", async () => {
  const read = await s.api("GET", "/organizations/acme/sso-connection");
  assert.equal(read.status, 200, read.text);
  assert.deepEqual(
    [read.body.protocol, read.body.idp_entity_id, read.body.idp_sso_url, read.body.idp_certificates],
    ["saml", idp.entityId, idp.ssoUrl, [idp.key.certDer]],
  );
  assert.equal(read.body.sp_entity_id, `${t.origin}/auth/sso/saml/${connection.id}`);
  assert.equal(read.body.acs_url, `${t.origin}/auth/sso/saml/${connection.id}/acs`);
  assert.equal(read.body.sp_metadata_url, read.body.sp_entity_id);
  assert.ok(!("issuer" in read.body) && !("idp_client_secret_set" in read.body));
  // The same from the metadata URL (fetched through the guard), and from the fields one by one.
  const fromUrl = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_metadata_url: idp.metadataUrl,
  });
  assert.equal(fromUrl.status, 200, fromUrl.text);
  assert.equal(fromUrl.body.id, connection.id);
  const fields = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_entity_id: idp.entityId,
    idp_sso_url: idp.ssoUrl,
    idp_certificate: idp.key.certPem,
  });
  assert.equal(fields.status, 200, fields.text);
  assert.deepEqual(fields.body.idp_certificates, [idp.key.certDer]);
  assert.equal((await s.api("GET", "/organizations/acme/sso-connection", undefined, s.other)).status, 404);
  const [audit] = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${s.project.id} and action like 'sso_connection.%' and details ->> 'protocol' = 'saml'`;
  assert.equal(audit.n, 3);
});

Deno.test("SAML SSO — bad configuration is a 400 naming the field and why; nothing changes", async () => {
  const expired = await signingKey("CN=Old IdP", new Date("2020-01-01"), new Date("2021-01-01"));
  const cases: [unknown, string, RegExp][] = [
    [{ idp_metadata_xml: "<md:EntityDescriptor" }, "idp_metadata_xml", /could not be parsed/],
    [{ idp_metadata_xml: "<x/>" }, "idp_metadata_xml", /exactly one identity provider/],
    [
      { idp_metadata_xml: idp.metadata().replace(/<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/, "") },
      "idp_metadata_xml",
      /no signing certificate/,
    ],
    [{ idp_metadata_xml: idp.metadata(expired) }, "idp_metadata_xml", /expired on 2021-01-01/],
    [
      { idp_metadata_xml: `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${idp.metadata()}` },
      "idp_metadata_xml",
      /DOCTYPE/,
    ],
    [
      {
        idp_metadata_xml: idp.metadata().replaceAll("https://idp.acme.test/sso", "http://idp.acme.test/sso"),
      },
      "idp_metadata_xml",
      /https/,
    ],
    [
      {
        idp_entity_id: idp.entityId,
        idp_sso_url: "http://idp.acme.test/sso",
        idp_certificate: idp.key.certPem,
      },
      "idp_sso_url",
      /https/,
    ],
    [
      { idp_entity_id: idp.entityId, idp_sso_url: idp.ssoUrl, idp_certificate: "not a cert" },
      "idp_certificate",
      /X\.509/,
    ],
    [
      { idp_entity_id: idp.entityId, idp_sso_url: idp.ssoUrl, idp_certificate: expired.certPem },
      "idp_certificate",
      /expired/,
    ],
    [
      { idp_metadata_url: "https://127.0.0.1/metadata" },
      "idp_metadata_url",
      /internal address|cannot be fetched/,
    ],
    [{ idp_metadata_url: `${idp.metadataUrl}-missing` }, "idp_metadata_url", /answered 404/],
    [{ idp_metadata_xml: idp.metadata(), idp_entity_id: "x" }, "protocol", /exactly one of/],
  ];
  // The metadata URL's own check refuses internal addresses, as webhooks do (lifted for the loopback fake).
  for (const [body, field, says] of cases) {
    const internal = field === "idp_metadata_url" && /127\.0\.0\.1\/metadata$/.test(JSON.stringify(body));
    t.deps.clientMetadataFetch = {
      allowHttp: !JSON.stringify(body).includes("http://idp"),
      allowPrivate: !internal,
      timeoutMs: 2000,
    };
    const res = await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      ...(body as object),
    });
    assert.equal(res.status, 400, `${field}: ${res.text}`);
    assert.equal(res.body.error, "validation_failed");
    assert.match(res.body.fields[field]?.[0] ?? "", says, `${field}: ${res.text}`);
  }
  t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
  const big = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_metadata_xml: `<a>${"x".repeat(300 * 1024)}</a>`,
  });
  assert.equal(big.status, 400);
  assert.ok(big.body.fields.idp_metadata_xml);
  const after = await s.api("GET", "/organizations/acme/sso-connection");
  assert.deepEqual([after.body.idp_entity_id, after.body.idp_certificates], [idp.entityId, [
    idp.key.certDer,
  ]]);
});

Deno.test("SAML SSO — the SP metadata is public XML naming the entity ID and ACS; unknown ids are 404", async () => {
  const res = await t.app.request(new URL(connection.sp_metadata_url).pathname);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /samlmetadata\+xml/);
  const xml = await res.text();
  assert.ok(xml.includes(`entityID="${connection.sp_entity_id}"`), xml);
  assert.ok(xml.includes(`Location="${connection.acs_url}"`), xml);
  assert.match(xml, /WantAssertionsSigned="true"/);
  assert.equal((await t.app.request("/auth/sso/saml/sso_aaaaaaaaaaaaaaaaaaaaaaaa")).status, 404);
  assert.equal((await t.app.request("/auth/sso/saml/nonsense")).status, 404);
});

Deno.test("SAML SSO — a person at the verified domain signs in through the IdP and gets the organization", async () => {
  const started = await s.start("dewi@acme.test");
  // The AuthnRequest goes to the IdP's SSO URL by redirect, names our entity ID and ACS, and RelayState ties it.
  assert.equal(`${started.location.origin}${started.location.pathname}`, "https://idp.acme.test/sso");
  assert.equal(started.location.searchParams.get("app"), "astapa", "the IdP's own query is kept");
  assert.equal(started.request.issuer, connection.sp_entity_id);
  assert.equal(started.request.acsUrl, connection.acs_url);
  assert.match(started.request.id, /^_[0-9a-f]{32}$/);
  assert.ok(started.request.relayState.length >= 32);
  // The flow cookie reaches the ACS on the IdP's cross-site POST: SameSite=None, Secure.
  const flowCookie = started.setCookies.find((c) => c.startsWith("astapa_social="));
  assert.match(flowCookie ?? "", /SameSite=None/i);
  assert.match(flowCookie ?? "", /Secure/i);
  assert.match(flowCookie ?? "", /HttpOnly/i);
  const res = await s.postAcs(started, encodeResponse(idp.signedXml(s.answering(started))));
  const claims = await s.appClaims(res);
  assert.equal(claims.email, "dewi@acme.test");
  assert.equal(claims.org_id, s.org);
  assert.equal(claims.org_role, "member");
  assert.deepEqual(claims.amr, ["fed"]);
  // The address from an attribute (NameID persistent), signed on both the Response and the assertion: same person.
  const again = await s.signIn({
    nameId: "00u1abcd",
    nameIdFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    attributes: { "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "Dewi@acme.test" },
    sign: { assertion: true, response: true },
  });
  assert.equal((await s.appClaims(again)).sub, claims.sub);
  const [audit] = await t.db.sql`select details ->> 'subject' as subject from astapa.audit_log
    where project_id = ${s.project.id} and action = 'user.sso_sign_in' order by id desc limit 1`;
  assert.equal(audit.subject, "00u1abcd");
});

Deno.test("SAML SSO — a certificate rotation: either listed certificate signs in", async () => {
  const next = await signingKey("CN=Next IdP key");
  const put = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_entity_id: idp.entityId,
    idp_sso_url: idp.ssoUrl,
    idp_certificates: [idp.key.certPem, next.certPem],
  });
  assert.equal(put.status, 200, put.text);
  try {
    assert.equal((await s.appClaims(await s.signIn({ key: next }))).email, "dewi@acme.test");
    assert.equal((await s.appClaims(await s.signIn())).email, "dewi@acme.test");
  } finally {
    await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      idp_metadata_xml: idp.metadata(),
    });
  }
});

Deno.test("SAML SSO — an Indonesian sign-in's refusal is in Indonesian", async () => {
  const started = await s.start("dewi@acme.test", "id");
  const res = await s.postAcs(
    started,
    encodeResponse(idp.signedXml(s.answering(started, { audience: "https://other" }))),
  );
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Penyedia tidak dapat memastikan identitas Anda/);
});

Deno.test("SAML SSO — saved without its IdP first: the URLs for the IdP, disabled until the metadata comes", async () => {
  assert.equal((await s.api("POST", "/organizations", { name: "Beta", slug: "beta" })).status, 201);
  const pending = await s.api("PUT", "/organizations/beta/sso-connection", { protocol: "saml" });
  assert.equal(pending.status, 200, pending.text);
  assert.deepEqual([pending.body.protocol, pending.body.enabled, "idp_entity_id" in pending.body], [
    "saml",
    false,
    false,
  ]);
  assert.equal(pending.body.acs_url, `${t.origin}/auth/sso/saml/${pending.body.id}/acs`);
  // The IdP can import the SP metadata already.
  assert.equal((await t.app.request(new URL(pending.body.sp_metadata_url).pathname)).status, 200);
  const on = await s.api("PUT", "/organizations/beta/sso-connection", { protocol: "saml", enabled: true });
  assert.equal(on.status, 400);
  assert.match(on.body.error_description, /enabled once it has its identity provider's metadata/);
  const done = await s.api("PUT", "/organizations/beta/sso-connection", {
    protocol: "saml",
    idp_metadata_xml: idp.metadata(),
  });
  assert.deepEqual([done.body.id, done.body.enabled, done.body.idp_entity_id], [
    pending.body.id,
    true,
    idp.entityId,
  ]);
});

Deno.test("SAML SSO — the assertion's name attributes fill a new account's profile; a hostile one is dropped", async () => {
  const res = await s.signIn({
    nameId: "eka@acme.test",
    attributes: {
      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "eka@acme.test",
      "http://schemas.microsoft.com/identity/claims/displayname": "Eka Pratama",
      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": "Eka",
      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": "Prat\u202Eama",
      nickName: "Ek",
      timezone: "Asia/Jakarta",
      website: "javascript:alert(1)",
    },
  }, "eka@acme.test");
  const claims = await s.appClaims(res);
  const [person] = await t.db.sql`select name, given_name, family_name, nickname, zoneinfo, website
                                  from astapa.users where id = ${String(claims.sub)}`;
  assert.deepEqual(person, {
    name: "Eka Pratama",
    given_name: "Eka",
    family_name: null,
    nickname: "Ek",
    zoneinfo: "Asia/Jakarta",
    website: null,
  });
});
