/**
 * SAML encrypted assertions (docs/enterprise-sso.md, "Encrypted assertions") against the fake IdP, which encrypts to
 * the certificate Astapa publishes: the SP metadata's KeyDescriptors, an encrypted assertion signing in (each content
 * algorithm offered), `want_assertions_encrypted` refusing a plain one, and the attacks — another key's ciphertext,
 * a changed ciphertext, an unsigned or foreign-signed assertion encrypted to us (encryption is not authentication),
 * weak algorithms, wrapping around or inside the encrypted assertion — each a readable page (en, id) and nothing
 * created. The private key never leaves the database sealed: not in an answer, the metadata, a log or the audit.
 */
import assert from "node:assert/strict";
import {
  AES128_CBC,
  AES128_GCM,
  AES256_CBC,
  AES256_GCM,
  encodeResponse,
  encryptAssertion,
  type EncryptionChoice,
  RSA_1_5,
  signingKey,
  spCertificates,
  TRIPLEDES_CBC,
} from "../fakes/saml_idp.ts";
import { samlSetUp } from "../helpers/saml_sso.ts";
import { basic } from "../helpers/oauth.ts";

const s = await samlSetUp();
Deno.test.afterAll(() => s.close());
const { t, idp, connection } = s;
const metadataPath = new URL(connection.sp_metadata_url).pathname;
type Started = Awaited<ReturnType<typeof s.start>>;

const currentCertificate = async () =>
  (await s.api("GET", "/organizations/acme/sso-connection")).body.sp_certificates[0].certificate as string;
const setting = (body: Record<string, boolean>) =>
  s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", ...body });

/** A correct Response for `started`, its signed assertion encrypted to `certificate`. */
const encrypted = async (started: Started, certificate: string, encryption?: EncryptionChoice, extra = {}) =>
  encodeResponse(
    await idp.encryptedXml({ ...s.answering(started, extra), encryptTo: certificate, encryption }),
  );

/** Posts `response(started)` after a fresh start: the refusal's status, message and logged reason; nothing made. */
async function refused(
  response: (started: Started) => Promise<string> | string,
  says: RegExp,
  reason: string,
  lang = "en",
) {
  const before = await s.footprint();
  const started = await s.start("dewi@acme.test", lang);
  const res = await s.postAcs(started, await response(started));
  const text = await res.text();
  assert.equal(res.status, 400, text.slice(0, 500));
  assert.match(text, says);
  assert.deepEqual(await s.footprint(), before, "no user or session was created");
  const stop = t.logs.filter((line) => line.msg === "sso_sign_in_stopped").at(-1)!;
  assert.equal(stop.reason, reason);
}
const UNDECRYPTABLE = /cannot open: it was encrypted for another certificate/;
const FAILED = /could not confirm who you are/;

Deno.test("SAML encryption — the SP metadata publishes the certificate for signing and encryption, what is accepted", async () => {
  const res = await t.app.request(metadataPath);
  assert.equal(res.status, 200);
  const xml = await res.text();
  const certificate = await currentCertificate();
  assert.deepEqual(spCertificates(xml, "signing"), [certificate]);
  assert.deepEqual(spCertificates(xml, "encryption"), [certificate]);
  assert.match(xml, /AuthnRequestsSigned="false"/);
  assert.match(xml, /WantAssertionsSigned="true"/);
  const methods = [...xml.matchAll(/<EncryptionMethod Algorithm="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(methods, [
    AES256_GCM,
    AES128_GCM,
    AES256_CBC,
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
  ]);
  // The KeyDescriptors open the SPSSODescriptor (the schema's order) and the ACS is still named.
  assert.match(xml, /<SPSSODescriptor[^>]*><KeyDescriptor use="signing">/);
  assert.ok(xml.includes(`Location="${connection.acs_url}"`));
  assert.doesNotMatch(xml, /PRIVATE KEY|private_key|sealed/i);
});

Deno.test("SAML encryption — an assertion encrypted to the connection's certificate signs in (each algorithm offered)", async () => {
  const certificate = await currentCertificate();
  let sub: unknown;
  for (const content of [AES256_GCM, AES128_GCM, AES256_CBC] as const) {
    const started = await s.start("dewi@acme.test");
    const claims = await s.appClaims(
      await s.postAcs(started, await encrypted(started, certificate, { content })),
    );
    assert.equal(claims.email, "dewi@acme.test");
    assert.equal(claims.org_id, s.org);
    sub ??= claims.sub;
    assert.equal(claims.sub, sub, "the same person each time");
  }
  // The Response signed too, around the EncryptedAssertion (as ADFS does): still fine.
  const started = await s.start("dewi@acme.test");
  const both = encodeResponse(
    await idp.encryptedXml({
      ...s.answering(started),
      encryptTo: certificate,
      sign: { assertion: true, response: true },
    }),
  );
  assert.equal((await s.appClaims(await s.postAcs(started, both))).sub, sub);
});

Deno.test("SAML encryption — want_assertions_encrypted refuses a plain assertion (en, id); an encrypted one passes", async () => {
  const on = await setting({ want_assertions_encrypted: true });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.body.want_assertions_encrypted, true);
  assert.equal(on.body.idp_entity_id, idp.entityId, "the IdP is kept");
  try {
    const plain = (st: Started) => encodeResponse(idp.signedXml(s.answering(st)));
    await refused(
      plain,
      /answer that is not encrypted, and this app accepts only encrypted ones/,
      "saml_not_encrypted",
    );
    await refused(plain, /jawaban yang tidak terenkripsi/, "saml_not_encrypted", "id");
    const metadata = await (await t.app.request(metadataPath)).text();
    assert.deepEqual(spCertificates(metadata, "encryption"), [await currentCertificate()]);
    const started = await s.start("dewi@acme.test");
    const res = await s.postAcs(started, await encrypted(started, await currentCertificate()));
    assert.equal((await s.appClaims(res)).email, "dewi@acme.test");
  } finally {
    assert.equal((await setting({ want_assertions_encrypted: false })).status, 200);
  }
});

Deno.test("SAML encryption — encrypted to another key (a stranger's, another project's connection): a readable page", async () => {
  const stranger = await signingKey("CN=Someone else");
  await refused((st) => encrypted(st, stranger.certDer), UNDECRYPTABLE, "saml_undecryptable");
  await refused(
    (st) => encrypted(st, stranger.certDer),
    /tidak dapat dibuka aplikasi ini/,
    "saml_undecryptable",
    "id",
  );
  // Key confusion across tenants: the other project's SAML connection has its own key, which is not ours.
  const domain = await s.api("POST", "/organizations", { name: "Other Acme", slug: "other-acme" }, s.other);
  assert.equal(domain.status, 201, domain.text);
  const theirs = await s.api(
    "PUT",
    "/organizations/other-acme/sso-connection",
    { protocol: "saml", idp_metadata_xml: idp.metadata() },
    s.other,
  );
  assert.equal(theirs.status, 200, theirs.text);
  const theirCertificate = theirs.body.sp_certificates[0].certificate as string;
  assert.notEqual(theirCertificate, await currentCertificate());
  await refused((st) => encrypted(st, theirCertificate), UNDECRYPTABLE, "saml_undecryptable");
});

Deno.test("SAML encryption — a changed ciphertext is refused (GCM's tag; CBC's signature after decryption)", async () => {
  const certificate = await currentCertificate();
  // One character of the ciphertext proper, past CBC's 16-byte IV (base64 characters 0–21): a changed IV only
  // flips bits of the first plaintext block, which can leave an equivalent document (a space turned into a
  // tab between attributes canonicalizes the same, and the signature still holds). A changed ciphertext block
  // garbles a whole 16-byte block of the plaintext instead.
  const flip = (xml: string) =>
    xml.replace(
      /(<xenc:EncryptedData[\s\S]*?<xenc:CipherValue>)([A-Za-z0-9+/]{60})/,
      (_, head, value: string) =>
        head + value.slice(0, 40) + (value[40] === "A" ? "B" : "A") + value.slice(41),
    );
  const changed = async (st: Started, content: EncryptionChoice["content"]) => {
    const xml = await idp.encryptedXml({
      ...s.answering(st),
      encryptTo: certificate,
      encryption: { content },
    });
    const tampered = flip(xml);
    assert.notEqual(tampered, xml);
    return encodeResponse(tampered);
  };
  await refused((st) => changed(st, AES256_GCM), UNDECRYPTABLE, "saml_undecryptable");
  const before = await s.footprint();
  const started = await s.start("dewi@acme.test");
  const res = await s.postAcs(started, await changed(started, AES256_CBC));
  assert.equal(res.status, 400);
  assert.deepEqual(await s.footprint(), before);
});

Deno.test("SAML encryption — encryption is not authentication: unsigned or foreign-signed assertions encrypted to us", async () => {
  const certificate = await currentCertificate();
  // Anyone can encrypt to the published certificate: the decrypted assertion must still be signed by the IdP.
  await refused(
    async (st) =>
      encodeResponse(
        await idp.encryptedXml({ ...s.answering(st), encryptTo: certificate, sign: { assertion: false } }),
      ),
    FAILED,
    "saml_signature",
  );
  const stranger = await signingKey("CN=Not the IdP");
  await refused(
    async (st) =>
      encodeResponse(await idp.encryptedXml({ ...s.answering(st), encryptTo: certificate, key: stranger })),
    FAILED,
    "saml_signature",
  );
  // A signed Response around an unsigned encrypted assertion: refused as for a plain one (wantAssertionsSigned).
  await refused(
    async (st) =>
      encodeResponse(
        await idp.encryptedXml({
          ...s.answering(st),
          encryptTo: certificate,
          sign: { assertion: false, response: true },
        }),
      ),
    FAILED,
    "saml_signature",
  );
});

Deno.test("SAML encryption — RSA v1.5 key transport, 3DES and AES-128-CBC are refused before any key is used", async () => {
  const certificate = await currentCertificate();
  for (
    const encryption of [{ keyTransport: RSA_1_5 }, { content: TRIPLEDES_CBC }, {
      content: AES128_CBC,
    }] as const
  ) {
    await refused((st) => encrypted(st, certificate, encryption), UNDECRYPTABLE, "saml_encryption_algorithm");
  }
  // An EncryptionMethod hidden behind another namespace prefix is still read as one (as xml-encryption reads it).
  await refused(
    async (st) => {
      const xml = await idp.encryptedXml({
        ...s.answering(st),
        encryptTo: certificate,
        encryption: { keyTransport: RSA_1_5 },
      });
      const hidden = xml.replace("<e:EncryptionMethod ", '<x:EncryptionMethod xmlns:x="urn:other" ')
        .replace("</e:EncryptionMethod>", "</x:EncryptionMethod>");
      assert.notEqual(hidden, xml);
      return encodeResponse(hidden);
    },
    UNDECRYPTABLE,
    "saml_encryption_algorithm",
  );
});

Deno.test("SAML encryption — wrapping: a plain assertion beside the encrypted one, or an evil one around it inside", async () => {
  const certificate = await currentCertificate();
  // A second (plain, signed for someone else) assertion next to the encrypted one.
  await refused(
    async (st) => {
      const good = await idp.encryptedXml({ ...s.answering(st), encryptTo: certificate });
      const other = idp.signedXml(s.answering(st, { nameId: "mallory@acme.test" }));
      const plain = other.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
      return encodeResponse(good.replace("<saml:EncryptedAssertion>", `${plain}<saml:EncryptedAssertion>`));
    },
    FAILED,
    "saml_signature",
  );
  // Inside the ciphertext: an unsigned assertion for mallory wrapping the IdP's signed one for dewi. The signature
  // covers only the inner assertion, which is not the one read: refused after decryption.
  await refused(
    async (st) => {
      const signed = idp.signedXml(s.answering(st));
      const inner = signed.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
      const evil = idp.responseXml(s.answering(st, { nameId: "mallory@acme.test" }))
        .match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0]
        .replace(/ ID="[^"]+"/, ' ID="_evil"')
        .replace("</saml:Subject>", `</saml:Subject><saml:Advice>${inner}</saml:Advice>`);
      const wrapped = signed.replace(inner, evil);
      return encodeResponse(await encryptAssertion(wrapped, certificate));
    },
    FAILED,
    "saml_signature",
  );
});

Deno.test("SAML encryption — the private key is in no answer, metadata, log or audit row; sealed in its row", async () => {
  const [row] = await t.db.sql`select private_key_sealed from astapa.sso_saml_sp_keys
    where connection_id = ${connection.id} and state = 'current'`;
  const sealed = row.private_key_sealed as string;
  assert.match(sealed, /^[A-Za-z0-9_-]{1000,}$/, "sealed (base64url), not PEM");
  const answers = [
    (await s.api("GET", "/organizations/acme/sso-connection")).text,
    (await setting({})).text,
    await (await t.app.request(metadataPath)).text(),
    JSON.stringify(t.logs),
    JSON.stringify(await t.db.sql`select details from astapa.audit_log where project_id = ${s.project.id}`),
  ];
  for (const text of answers) {
    assert.ok(!text.includes(sealed.slice(0, 40)), "no sealed key");
    assert.doesNotMatch(text, /PRIVATE KEY|private_key/);
  }
  // Another project's client sees no connection here, and its own read names only its own certificate.
  const foreign = await t.app.request("/api/platform/organizations/acme/sso-connection", {
    headers: { authorization: basic(s.other.clientId, s.other.secret) },
  });
  assert.equal(foreign.status, 404);
});

Deno.test("SAML SP key — a new connection gets one; later saves keep it: the same metadata, one key row, nothing else changed", async () => {
  assert.equal((await s.api("POST", "/organizations", { name: "Beta", slug: "beta" })).status, 201);
  const save = () =>
    s.api("PUT", "/organizations/beta/sso-connection", {
      protocol: "saml",
      idp_metadata_xml: idp.metadata(),
    });
  const created = await save();
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.sp_certificates.length, 1, "a new connection gets its key pair");
  const path = new URL(created.body.sp_metadata_url).pathname;
  const metadata = await (await t.app.request(path)).text();
  assert.deepEqual(spCertificates(metadata, "signing"), [created.body.sp_certificates[0].certificate]);
  for (const _ of [1, 2]) {
    const again = await save();
    assert.equal(again.status, 200, again.text);
    const { updated_at: _at, ...rest } = again.body;
    const { updated_at: _before, ...before } = created.body;
    assert.deepEqual(rest, before, "the same connection, the same certificate");
    assert.equal(
      await (await t.app.request(path)).text(),
      metadata,
      "the IdP's copy of the metadata stays right",
    );
  }
  const [keys] = await t.db.sql`select count(*)::int as n from astapa.sso_saml_sp_keys
    where connection_id = ${created.body.id as string}`;
  assert.equal(keys.n, 1, "no key pairs pile up");
});
