/**
 * Signed AuthnRequests and the rotation of a SAML connection's own certificate (docs/enterprise-sso.md): with
 * `sign_authn_requests` the redirect's query carries SigAlg rsa-sha256 and a Signature that the fake IdP verifies,
 * as Okta or Entra ID would, against the certificate in Astapa's SP metadata (and a changed query fails it); a
 * rotation publishes the new certificate beside the old, signs with the new one, and decrypts with either until the
 * previous is removed — through the Platform API, whose other callers get 404 and change nothing.
 */
import assert from "node:assert/strict";
import { encodeResponse, requestSignatureValid, spCertificates } from "../fakes/saml_idp.ts";
import { samlSetUp } from "../helpers/saml_sso.ts";

const s = await samlSetUp();
Deno.test.afterAll(() => s.close());
const { t, idp, connection } = s;
const metadataPath = new URL(connection.sp_metadata_url).pathname;
const metadata = async () => await (await t.app.request(metadataPath)).text();
const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const certificates = "/organizations/acme/sso-connection/sp-certificates";

Deno.test("SAML signed requests — off by default: no SigAlg, no Signature, AuthnRequestsSigned false", async () => {
  const started = await s.start();
  assert.equal(started.location.searchParams.get("SigAlg"), null);
  assert.equal(started.location.searchParams.get("Signature"), null);
  assert.match(await metadata(), /AuthnRequestsSigned="false"/);
});

Deno.test("SAML signed requests — on: the IdP verifies the signature with the metadata's certificate; a change fails it", async () => {
  const on = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    sign_authn_requests: true,
  });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.body.sign_authn_requests, true);
  try {
    const xml = await metadata();
    assert.match(xml, /AuthnRequestsSigned="true"/);
    const published = spCertificates(xml, "signing");
    const started = await s.start();
    assert.equal(started.location.searchParams.get("SigAlg"), RSA_SHA256);
    assert.ok(requestSignatureValid(started.location, published), "the IdP accepts the signed request");
    // The IdP's own query (?app=astapa) is not part of what is signed, and stays.
    assert.equal(started.location.searchParams.get("app"), "astapa");
    // A RelayState or request changed on the way, or another key's certificate: the IdP refuses it.
    const relay = new URL(started.location);
    relay.searchParams.set("RelayState", "forged");
    assert.equal(requestSignatureValid(relay, published), false);
    const request = new URL(started.location);
    request.searchParams.set("SAMLRequest", request.searchParams.get("SAMLRequest")!.replace(/^./, "A"));
    assert.equal(requestSignatureValid(request, published), false);
    assert.equal(requestSignatureValid(started.location, [idp.key.certDer]), false);
    // The sign-in goes on as ever.
    const res = await s.postAcs(started, encodeResponse(idp.signedXml(s.answering(started))));
    assert.equal((await s.appClaims(res)).email, "dewi@acme.test");
  } finally {
    await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      sign_authn_requests: false,
    });
  }
});

Deno.test("SAML rotation — the new certificate beside the old, signing with the new, both decrypting until removed", async () => {
  const before = (await s.api("GET", "/organizations/acme/sso-connection")).body;
  const old = before.sp_certificates[0].certificate as string;
  assert.equal(
    (await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      sign_authn_requests: true,
    })).status,
    200,
  );
  try {
    const rotated = await s.api("POST", certificates);
    assert.equal(rotated.status, 200, rotated.text);
    const [current, previous] = rotated.body.sp_certificates;
    assert.equal(previous.certificate, old);
    assert.deepEqual([current.state, previous.state], ["current", "previous"]);
    assert.notEqual(current.certificate, old);
    assert.doesNotMatch(rotated.text, /private_key|PRIVATE KEY/);
    const xml = await metadata();
    assert.deepEqual(spCertificates(xml, "encryption"), [current.certificate, old]);
    assert.deepEqual(spCertificates(xml, "signing"), [current.certificate, old]);
    // Requests are signed with the new key; an IdP still holding the old certificate encrypts to it, and it works.
    const started = await s.start();
    assert.ok(requestSignatureValid(started.location, [current.certificate]));
    assert.equal(requestSignatureValid(started.location, [old]), false);
    for (const to of [old, current.certificate]) {
      const run = await s.start();
      const res = await s.postAcs(
        run,
        encodeResponse(await idp.encryptedXml({ ...s.answering(run), encryptTo: to })),
      );
      assert.equal((await s.appClaims(res)).email, "dewi@acme.test");
    }
    // One rotation at a time: the previous certificate is removed on purpose first.
    const again = await s.api("POST", certificates);
    assert.equal(again.status, 409, again.text);
    const ended = await s.api("DELETE", `${certificates}/previous`);
    assert.equal(ended.status, 200, ended.text);
    assert.deepEqual(ended.body.sp_certificates.map((k: { state: string }) => k.state), ["current"]);
    assert.deepEqual(spCertificates(await metadata(), "encryption"), [current.certificate]);
    // The old key decrypts no more.
    const late = await s.start();
    const refused = await s.postAcs(
      late,
      encodeResponse(await idp.encryptedXml({ ...s.answering(late), encryptTo: old })),
    );
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /encrypted for another certificate/);
    assert.equal((await s.api("DELETE", `${certificates}/previous`)).status, 404);
  } finally {
    await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      sign_authn_requests: false,
    });
  }
});

Deno.test("SAML rotation — another project's client gets 404 and changes nothing", async () => {
  const before = await t.db
    .sql`select id, state from astapa.sso_saml_sp_keys where connection_id = ${connection.id}
    order by id`;
  assert.equal((await s.api("POST", certificates, undefined, s.other)).status, 404);
  assert.equal((await s.api("DELETE", `${certificates}/previous`, undefined, s.other)).status, 404);
  const after = await t.db
    .sql`select id, state from astapa.sso_saml_sp_keys where connection_id = ${connection.id}
    order by id`;
  assert.deepEqual(after.map((r) => ({ ...r })), before.map((r) => ({ ...r })));
});
