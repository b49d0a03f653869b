/**
 * SAML enterprise SSO — the ways a Response may lie, each refused with a readable page and nothing created (no
 * user, no browser session): unsigned, signed by another key, only the Response signed, signature wrapping, a
 * comment inside the NameID, the wrong Audience / Destination / Recipient / Issuer, expired, an answer to another
 * request or to none (IdP-initiated, no flow cookie), a replay, an address outside the organization's domains, a
 * failed status, and XML that is too large, malformed or carries a DOCTYPE. Encrypted assertions' own attacks are in
 * saml_encryption_test.ts.
 */
import assert from "node:assert/strict";
import { encodeResponse, signingKey } from "../fakes/saml_idp.ts";
import { samlSetUp } from "../helpers/saml_sso.ts";
import { seedUser } from "../helpers/identity.ts";

const s = await samlSetUp();
Deno.test.afterAll(() => s.close());
const { idp } = s;
const mallory = "mallory@acme.test";

/** Posts `response(started)` after a fresh start and asserts the refusal: status, message, nothing created. */
async function refused(
  response: (started: Awaited<ReturnType<typeof s.start>>) => string,
  status: number,
  says: RegExp,
  reason: string,
  options: { relayState?: string; cookie?: string | ((setCookies: string[]) => string); path?: string } = {},
) {
  const before = await s.footprint();
  const started = await s.start(mallory);
  const cookie = typeof options.cookie === "function" ? options.cookie(started.setCookies) : options.cookie;
  const res = await s.postAcs(started, response(started), { ...options, cookie });
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  assert.match(text, says);
  assert.deepEqual(await s.footprint(), before, "no user or session was created");
  // Logged with a fixed reason (the check that refused it), never the XML or what it said.
  const stop = s.t.logs.filter((line) => line.msg === "sso_sign_in_stopped").at(-1)!;
  assert.equal(stop.reason, reason);
  assert.doesNotMatch(JSON.stringify(stop), /</);
  return text;
}
const FAILED = /could not confirm who you are/;
const signed = (started: Awaited<ReturnType<typeof s.start>>, extra = {}) =>
  encodeResponse(idp.signedXml(s.answering(started, { nameId: mallory, ...extra })));

Deno.test("SAML attacks — unsigned, signed by another key, or only the Response signed", async () => {
  await refused((st) => signed(st, { sign: { assertion: false } }), 400, FAILED, "saml_signature");
  const stranger = await signingKey("CN=Not the IdP");
  await refused((st) => signed(st, { key: stranger }), 400, FAILED, "saml_signature");
  await refused(
    (st) => signed(st, { key: stranger, sign: { assertion: true, response: true } }),
    400,
    FAILED,
    "saml_signature",
  );
  // node-saml with wantAssertionsSigned: a signed Response around an unsigned assertion is refused (documented).
  await refused(
    (st) => signed(st, { sign: { assertion: false, response: true } }),
    400,
    FAILED,
    "saml_signature",
  );
});

Deno.test("SAML attacks — signature wrapping: a second unsigned assertion, or the signed one moved aside", async () => {
  const ceo = await seedUser(s.t.db.sql, s.project.id, "ceo@acme.test", { verified: true });
  const evilAssertion = (st: Awaited<ReturnType<typeof s.start>>, id: string) =>
    idp.responseXml(s.answering(st, { nameId: "ceo@acme.test", assertionId: id }))
      .match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
  // A second, unsigned assertion for someone else beside the validly signed one (before and after it).
  for (const where of ["before", "after"] as const) {
    await refused(
      (st) => {
        const xml = idp.signedXml(s.answering(st, { nameId: mallory }));
        const evil = evilAssertion(st, "_evil");
        return encodeResponse(
          where === "before"
            ? xml.replace("<saml:Assertion", `${evil}<saml:Assertion`)
            : xml.replace("</samlp:Response>", `${evil}</samlp:Response>`),
        );
      },
      400,
      FAILED,
      "saml_signature",
    );
  }
  // The signed assertion moved into the evil one's Advice, its Signature lifted onto the evil one.
  await refused(
    (st) => {
      const xml = idp.signedXml(s.answering(st, { nameId: mallory }));
      const original = xml.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
      const signature = original.match(/<ds:Signature[\s\S]*<\/ds:Signature>/)?.[0] ??
        original.match(/<Signature[\s\S]*<\/Signature>/)![0];
      const originalId = original.match(/ID="([^"]+)"/)![1];
      const evil = evilAssertion(st, originalId)
        .replace("</saml:Issuer>", `</saml:Issuer>${signature}`)
        .replace(
          "</saml:Assertion>",
          `<saml:Advice>${original.replace(signature, "")}</saml:Advice></saml:Assertion>`,
        );
      return encodeResponse(xml.replace(original, evil));
    },
    400,
    FAILED,
    "saml_signature",
  );
  const [sessions] = await s.t.db.sql`select count(*)::int as n from astapa.login_sessions
    where project_id = ${s.project.id} and user_id = ${ceo}`;
  assert.equal(sessions.n, 0, "the CEO was never signed in");
});

Deno.test("SAML attacks — a comment inside the NameID does not cut the address short", async () => {
  const victim = await seedUser(s.t.db.sql, s.project.id, "user@acme.test", { verified: true });
  // The IdP signed user@acme.test.evil.test (an attacker's own account there); exc-c14n drops comments, so the
  // signature still holds with <!----> inserted — and the address read must still be the whole one.
  const text = await refused(
    (st) => {
      const xml = idp.signedXml(s.answering(st, { nameId: "user@acme.test.evil.test" }));
      return encodeResponse(xml.replace("user@acme.test.evil.test", "user@acme.test<!---->.evil.test"));
    },
    403,
    /outside its verified domains/,
    "ssoWrongDomain",
  );
  assert.doesNotMatch(text, /user@acme\.test</);
  const [sessions] = await s.t.db.sql`select count(*)::int as n from astapa.login_sessions
    where project_id = ${s.project.id} and user_id = ${victim}`;
  assert.equal(sessions.n, 0);
});

Deno.test("SAML attacks — wrong Audience, Destination, Recipient or Issuer; expired; a failed status", async () => {
  await refused((st) => signed(st, { audience: "https://another-sp.example" }), 400, FAILED, "saml_audience");
  await refused(
    (st) => signed(st, { destination: "https://another-sp.example/acs" }),
    400,
    FAILED,
    "saml_destination",
  );
  await refused(
    (st) => signed(st, { recipient: "https://another-sp.example/acs" }),
    400,
    FAILED,
    "saml_recipient",
  );
  await refused((st) => signed(st, { issuer: "https://another-idp.example" }), 400, FAILED, "saml_issuer");
  await refused(
    (st) => signed(st, { notOnOrAfter: new Date(Date.now() - 5 * 60_000) }),
    400,
    FAILED,
    "saml_expired",
  );
  await refused(
    (st) => signed(st, { status: "urn:oasis:names:tc:SAML:2.0:status:Responder" }),
    400,
    FAILED,
    "saml_status",
  );
  // An unsigned failure answer (IdPs send these) is refused the same way.
  await refused(
    (st) =>
      encodeResponse(
        idp.responseXml(s.answering(st, { status: "urn:oasis:names:tc:SAML:2.0:status:Requester" })),
      ),
    400,
    FAILED,
    "saml_status",
  );
});

Deno.test("SAML attacks — an answer to another request, to none (IdP-initiated), without the flow cookie, another RelayState", async () => {
  await refused(
    (st) =>
      signed(st, { inResponseTo: "_someone_elses_request", subjectInResponseTo: "_someone_elses_request" }),
    400,
    FAILED,
    "saml_in_response_to",
  );
  // The envelope names our request but the signed assertion names another: moved from another Response.
  await refused(
    (st) => signed(st, { subjectInResponseTo: "_another_request" }),
    400,
    FAILED,
    "saml_in_response_to",
  );
  // IdP-initiated (no InResponseTo, no flow cookie in this browser) at a connection that does not accept it (the
  // default): refused, saying how to start (saml_idp_initiated_test.ts has the connections that accept it).
  const unsolicited =
    /no sign-in was started in this browser, and sign-in from your company.{1,6}s app portal is not/;
  await refused((st) => signed(st), 403, unsolicited, "saml_idp_initiated_off", { cookie: "" });
  // The flow cookie as a SameSite=Lax cookie would be: not sent with the IdP's cross-site POST.
  await refused((st) => signed(st), 403, unsolicited, "saml_idp_initiated_off", {
    cookie: (set) => s.crossSiteCookies(set.map((c) => c.replace(/SameSite=None/i, "SameSite=Lax"))),
  });
  await refused((st) => signed(st), 400, /expired or was started in another browser/, "saml_relay_state", {
    relayState: "forged",
  });
  // Another connection's ACS with this browser's flow.
  await refused((st) => signed(st), 400, /expired or was started in another browser/, "saml_relay_state", {
    path: "/auth/sso/saml/sso_aaaaaaaaaaaaaaaaaaaaaaaa/acs",
  });
});

Deno.test("SAML attacks — a replayed Response (with the same flow cookie) signs in once", async () => {
  const started = await s.start("replay@acme.test");
  const response = encodeResponse(idp.signedXml(s.answering(started, { nameId: "replay@acme.test" })));
  const first = await s.postAcs(started, response);
  await s.appClaims(first);
  const before = await s.footprint();
  const again = await s.postAcs(started, response);
  assert.equal(again.status, 400);
  assert.match(await again.text(), FAILED);
  assert.deepEqual(await s.footprint(), before, "no second session");
});

Deno.test("SAML attacks — an address outside the organization's verified domains", async () => {
  const victim = await seedUser(s.t.db.sql, s.project.id, "victim@gmail.test", { verified: true });
  await refused(
    (st) => signed(st, { nameId: "victim@gmail.test" }),
    403,
    /outside its verified domains/,
    "ssoWrongDomain",
  );
  await refused(
    (st) =>
      signed(st, {
        nameIdFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        nameId: "00u-victim",
        attributes: { email: "victim@gmail.test" },
      }),
    403,
    /outside its verified domains/,
    "ssoWrongDomain",
  );
  const [memberships] = await s.t.db.sql`select count(*)::int as n from astapa.organization_memberships
    where project_id = ${s.project.id} and user_id = ${victim}`;
  assert.equal(memberships.n, 0);
});

Deno.test("SAML attacks — an EncryptedAssertion with nothing decryptable in it: refused before any key is used", async () => {
  await refused(
    (st) => {
      const xml = idp.signedXml(s.answering(st, { nameId: mallory }));
      return encodeResponse(xml.replace(
        /<saml:Assertion[\s\S]*<\/saml:Assertion>/,
        '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>',
      ));
    },
    400,
    /cannot open/,
    "saml_encryption_algorithm",
  );
});

Deno.test("SAML attacks — oversized, malformed, not base64, DOCTYPE/XXE", async () => {
  await refused(() => "A".repeat(400_000), 400, FAILED, "saml_malformed");
  await refused(() => encodeResponse("<samlp:Response xmlns:samlp="), 400, FAILED, "saml_malformed");
  await refused(() => "%%%not-base64%%%", 400, FAILED, "saml_malformed");
  await refused(() => encodeResponse("just text"), 400, FAILED, "saml_malformed");
  const xxe = await refused(
    (st) => {
      const xml = idp.signedXml(s.answering(st, { nameId: mallory }));
      return encodeResponse(
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${xml}`,
      );
    },
    400,
    FAILED,
    "saml_doctype",
  );
  assert.doesNotMatch(xxe, /root:/);
  // A billion laughs without the DOCTYPE keyword at the start is still a DOCTYPE.
  await refused(
    () => encodeResponse(`<!doctype lol [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><samlp:Response/>`),
    400,
    FAILED,
    "saml_doctype",
  );
});
