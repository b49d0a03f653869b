/**
 * SAML Single Logout (docs/enterprise-sso.md "Single logout"), against the fake IdP: the IdP's signed LogoutRequest
 * at /auth/sso/saml/:connection/slo ends exactly the sessions SAML sign-ins through that connection started for its
 * NameID (and SessionIndex), as a sign-out does (back-channel logout to the app, refresh tokens revoked), and is
 * answered with our signed LogoutResponse, RelayState echoed; an unsigned, foreign-signed, foreign-issued, expired,
 * misaddressed or replayed one ends nothing. A sign-out at Astapa of such a session sends our signed LogoutRequest
 * to the IdP and, once the IdP answers, lands on the post_logout_redirect_uri — never where a forged answer says.
 * A second connection of the same IdP neither takes the first's requests nor ends its sessions; a comment in a
 * signed NameID does not shorten it; a deflate bomb, a DOCTYPE, a long RelayState or a huge POST is a 400 page.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { deflateRawSync } from "node:zlib";
import { BackchannelLogoutWorker } from "@/lib/oauth/backchannel_worker.ts";
import { productionTargetCheck } from "@/lib/webhooks/address_guard.ts";
import { verifyLogoutToken } from "@/sdk/logout_tokens.ts";
import { createLocalJWKSet } from "jose";
import * as OTPAuth from "otpauth";
import { FormBrowser } from "../helpers/form_browser.ts";
import { requestSignatureValid, signingKey, spCertificates } from "../fakes/saml_idp.ts";
import { samlSetUp } from "../helpers/saml_sso.ts";
import { sessionCookie, signOutConfirmed } from "../helpers/login.ts";
import { basic } from "../helpers/oauth.ts";
import { startReceiver } from "../helpers/webhooks.ts";

const s = await samlSetUp();
const { t, idp, connection, project } = s;
const { sql } = t.db;
const worker = new BackchannelLogoutWorker({
  sql,
  keys: t.deps.keys,
  issuer: t.config.baseUrl,
  checkTarget: productionTargetCheck(sql, false),
  backoffSeconds: () => 0,
  maxAttempts: 3,
});
await worker.start();
const receiver = startReceiver();
Deno.test.afterAll(async () => {
  await worker.stop();
  await receiver.close();
  await s.close();
});
const sloUrl = `${connection.sp_entity_id}/slo`;
const sloPath = new URL(sloUrl).pathname;
const html = { accept: "text/html" };

const on = await s.api("PUT", "/organizations/acme/sso-connection", {
  protocol: "saml",
  idp_slo_url: idp.sloUrl,
});
assert.equal(on.status, 200, on.text);
const logoutSettings = await t.app.request("/api/platform/logout-settings", {
  method: "PATCH",
  headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
  body: JSON.stringify({ backchannel_logout_uri: receiver.url, backchannel_logout_session_required: true }),
});
assert.equal(logoutSettings.status, 200, await logoutSettings.text());

/** A SAML sign-in of `email` with `sessionIndex`, the app's code redeemed: the browser's session cookie. */
async function signedIn(email: string, sessionIndex: string) {
  const res = await s.signIn({ nameId: email, sessionIndex }, email);
  const cookie = sessionCookie(res, project.id);
  assert.ok(cookie, "the ACS starts a session");
  await s.appClaims(res);
  await rememberSessions();
  return cookie;
}

/**
 * The session each SessionIndex signed in, as seen while it lived: a session's end forgets its SAML sign-in
 * (astapa.forget_sso_sign_ins), so an ended one is known from before.
 */
const sessionOfIndex = new Map<string, Uint8Array>();
async function rememberSessions() {
  const rows = await sql`select session_index, session_hash from astapa.sso_saml_sign_ins
    where project_id = ${project.id} and session_hash is not null`;
  for (const row of rows) sessionOfIndex.set(row.session_index as string, row.session_hash as Uint8Array);
}

/** Each SAML session of the project by SessionIndex: whether it is still live. */
async function liveByIndex(): Promise<Record<string, boolean>> {
  await rememberSessions();
  if (sessionOfIndex.size === 0) return {};
  const rows = await sql`select token_hash, ended_at is null as live from astapa.login_sessions
    where project_id = ${project.id} and token_hash in ${sql([...sessionOfIndex.values()])}`;
  const live = new Map(rows.map((r) => [Buffer.from(r.token_hash).toString("hex"), r.live as boolean]));
  return Object.fromEntries(
    [...sessionOfIndex].map(([index, hash]) => [index, live.get(Buffer.from(hash).toString("hex"))!]),
  );
}

const logoutRequest = (path: string) => t.app.request(path, { headers: html });

Deno.test("SAML SLO — the SP metadata advertises the Redirect endpoint, the API answers slo_url and idp_slo_url", async () => {
  const metadata = await (await t.app.request(new URL(connection.sp_metadata_url).pathname)).text();
  assert.match(
    metadata,
    new RegExp(
      `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${sloUrl}"/>`,
    ),
  );
  const got = await s.api("GET", "/organizations/acme/sso-connection");
  assert.equal(got.body.slo_url, sloUrl);
  assert.equal(got.body.idp_slo_url, idp.sloUrl);
});

Deno.test("SAML SLO — the IdP's metadata brings its SingleLogoutService; null removes it; an http URL is refused", async () => {
  try {
    const fromMetadata = await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      idp_metadata_xml: idp.metadata(idp.key, idp.ssoUrl, "https://idp.acme.test/logout-from-metadata"),
    });
    assert.equal(fromMetadata.status, 200, fromMetadata.text);
    assert.equal(fromMetadata.body.idp_slo_url, "https://idp.acme.test/logout-from-metadata");
    const removed = await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      idp_slo_url: null,
    });
    assert.equal(removed.body.idp_slo_url, undefined);
    const bad = await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      idp_slo_url: "javascript:alert(1)",
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.fields.idp_slo_url), /https/);
  } finally {
    const back = await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      idp_metadata_xml: idp.metadata(),
      idp_slo_url: idp.sloUrl,
    });
    assert.equal(back.body.idp_slo_url, idp.sloUrl);
  }
});

Deno.test("SAML SLO — a signed LogoutRequest ends exactly the sessions it names, back-channel logout fires, Success answered", async () => {
  await signedIn("dewi@acme.test", "_dewi_one");
  await signedIn("dewi@acme.test", "_dewi_two");
  await signedIn("budi@acme.test", "_budi_one");
  const delivered = receiver.received.length;
  const res = await logoutRequest(idp.logoutRequestUrl({
    sloUrl,
    nameId: "dewi@acme.test",
    sessionIndexes: ["_dewi_one"],
    relayState: "okta-relay-123",
  }));
  assert.equal(res.status, 302, await res.text());
  const location = new URL(res.headers.get("location")!);
  assert.equal(location.origin + location.pathname, idp.sloUrl);
  const answer = idp.readLogoutMessage(location);
  assert.equal(answer.status, "urn:oasis:names:tc:SAML:2.0:status:Success");
  assert.equal(answer.destination, idp.sloUrl);
  assert.equal(answer.issuer, connection.sp_entity_id);
  assert.match(answer.inResponseTo, /^_l/);
  assert.equal(answer.relayState, "okta-relay-123");
  const metadata = await (await t.app.request(new URL(connection.sp_metadata_url).pathname)).text();
  assert.ok(
    requestSignatureValid(location, spCertificates(metadata, "signing")),
    "signed by our current key",
  );
  const live = await liveByIndex();
  assert.deepEqual([live._dewi_one, live._dewi_two, live._budi_one], [false, true, true]);
  // The app hears of the ended session as after a sign-out: a logout token for its sid.
  await receiver.waitFor(delivered + 1);
  const token = new URLSearchParams(receiver.received[delivered].body).get("logout_token")!;
  const claims = await verifyLogoutToken(token, {
    issuer: t.config.baseUrl,
    clientId: project.clientId,
    jwks: createLocalJWKSet(await t.deps.keys.jwks()),
  });
  assert.match(String(claims.sid), /^ses_/);
  const [revoked] = await sql`select count(*)::int as n from astapa.refresh_tokens r
    join astapa.login_sessions s on s.project_id = r.project_id and s.public_id = r.session_id
    join astapa.sso_saml_sign_ins x on x.project_id = s.project_id and x.session_hash = s.token_hash
    where x.project_id = ${project.id} and x.session_index = '_dewi_one' and r.revoked_at is null`;
  assert.equal(revoked.n, 0, "its refresh tokens are revoked");
  // Without a SessionIndex: every session of that NameID on this connection.
  const all = await logoutRequest(idp.logoutRequestUrl({ sloUrl, nameId: "dewi@acme.test" }));
  assert.equal(all.status, 302);
  const after = await liveByIndex();
  assert.deepEqual([after._dewi_two, after._budi_one], [false, true]);
});

Deno.test("SAML SLO — a NameID with no session answers Success and ends nothing", async () => {
  await signedIn("budi@acme.test", "_budi_two");
  const before = await liveByIndex();
  const res = await logoutRequest(idp.logoutRequestUrl({ sloUrl, nameId: "nobody@acme.test" }));
  assert.equal(res.status, 302, await res.text());
  assert.equal(
    idp.readLogoutMessage(new URL(res.headers.get("location")!)).status,
    "urn:oasis:names:tc:SAML:2.0:status:Success",
  );
  assert.deepEqual(await liveByIndex(), before);
});

Deno.test("SAML SLO — unsigned, foreign-signed, foreign, expired, misaddressed, SHA-1, doubled or replayed: nothing ends", async () => {
  await signedIn("dewi@acme.test", "_dewi_three");
  const before = await liveByIndex();
  assert.equal(before._dewi_three, true);
  const stranger = await signingKey("CN=Stranger");
  const base = { sloUrl, nameId: "dewi@acme.test" };
  const old = new Date(Date.now() - 20 * 60_000);
  const valid = idp.logoutRequestUrl({ ...base, id: "_replayed_once" });
  const attempts: [string, string][] = [
    ["unsigned", idp.logoutRequestUrl({ ...base, key: null })],
    ["another key", idp.logoutRequestUrl({ ...base, key: stranger })],
    ["another issuer", idp.logoutRequestUrl({ ...base, issuer: "https://evil.test/saml" })],
    ["expired", idp.logoutRequestUrl({ ...base, notOnOrAfter: new Date(Date.now() - 5 * 60_000) })],
    [
      "issued long ago",
      idp.logoutRequestUrl({ ...base, issueInstant: old, notOnOrAfter: new Date(Date.now() + 60_000) }),
    ],
    ["another destination", idp.logoutRequestUrl({ ...base, destination: `${connection.acs_url}` })],
    ["no destination", idp.logoutRequestUrl({ ...base, destination: null })],
    ["rsa-sha1", idp.logoutRequestUrl({ ...base, sigAlg: "http://www.w3.org/2000/09/xmldsig#rsa-sha1" })],
    // A second SAMLRequest beside the signed one: which one is read must be the one that was signed.
    ["a doubled SAMLRequest", `${valid}&SAMLRequest=${encodeURIComponent("AAAA")}`],
    ["not deflated XML", `${sloPath}?SAMLRequest=${encodeURIComponent(btoa("<x/>"))}&SigAlg=x&Signature=y`],
  ];
  for (const [name, path] of attempts) {
    const res = await logoutRequest(path);
    const body = await res.text();
    assert.equal(res.status, 400, `${name}: ${res.status}`);
    assert.equal(res.headers.get("location"), null, name);
    assert.match(body, /could not verify|Nobody was signed out|nobody was signed out/, name);
    assert.deepEqual(await liveByIndex(), before, `${name} ended nothing`);
  }
  const first = await logoutRequest(valid);
  assert.equal(first.status, 302, await first.text());
  const ended = await liveByIndex();
  assert.equal(ended._dewi_three, false);
  // The same request again (its ID single use): refused, even though there is nothing left to end.
  await signedIn("dewi@acme.test", "_dewi_four");
  const replay = await logoutRequest(valid);
  assert.equal(replay.status, 400);
  assert.equal((await liveByIndex())._dewi_four, true);
  // In Indonesian too.
  const id = await t.app.request(idp.logoutRequestUrl({ ...base, key: null }), {
    headers: { ...html, "accept-language": "id" },
  });
  assert.match(await id.text(), /tidak ada yang dikeluarkan/);
});

Deno.test("SAML SLO — a connection id that is no SAML connection, or one without an IdP SLO URL, ends nothing", async () => {
  const unknown = await logoutRequest(idp.logoutRequestUrl({
    sloUrl: sloUrl.replace(connection.id, "sso_aaaaaaaaaaaaaaaaaaaaaaaa"),
    nameId: "dewi@acme.test",
  }));
  assert.equal(unknown.status, 404);
  await signedIn("dewi@acme.test", "_dewi_five");
  await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_slo_url: null });
  try {
    const off = await logoutRequest(idp.logoutRequestUrl({ sloUrl, nameId: "dewi@acme.test" }));
    assert.equal(off.status, 409);
    assert.equal((await liveByIndex())._dewi_five, true);
  } finally {
    await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_slo_url: idp.sloUrl });
  }
});

/** The hosted sign-out of the browser holding `session`, confirmed: the POST's answer. */
const signOut = (session: string, backToApp = true) => signOutConfirmed(t, project, session, backToApp);

/** The cookie the sign-out set for the IdP's answer (name=value). */
const logoutCookie = (res: Response) =>
  res.headers.getSetCookie().find((c) => c.startsWith("astapa_saml_logout="))!.split(";")[0];

Deno.test("SAML SLO — SP-initiated: the session ends, a signed LogoutRequest goes to the IdP, its answer lands on post_logout_redirect_uri", async () => {
  const session = await signedIn("dewi@acme.test", "_dewi_sp");
  const res = await signOut(session);
  assert.equal(res.status, 303, await res.text());
  const location = new URL(res.headers.get("location")!);
  assert.equal(location.origin + location.pathname, idp.sloUrl);
  const request = idp.readLogoutMessage(location);
  assert.match(request.xml, /<samlp:LogoutRequest /);
  assert.equal(request.nameId, "dewi@acme.test");
  assert.equal(request.sessionIndex, "_dewi_sp");
  assert.equal(request.destination, idp.sloUrl);
  assert.equal(request.issuer, connection.sp_entity_id);
  const metadata = await (await t.app.request(new URL(connection.sp_metadata_url).pathname)).text();
  assert.ok(requestSignatureValid(location, spCertificates(metadata, "signing")), "the IdP accepts it");
  assert.equal((await liveByIndex())._dewi_sp, false, "the Astapa session ended first");
  const cookie = logoutCookie(res);
  assert.match(
    res.headers.getSetCookie().find((c) => c.startsWith("astapa_saml_logout="))!,
    /HttpOnly.*SameSite=Lax/i,
  );
  const answer = idp.logoutResponseUrl({ sloUrl, inResponseTo: request.id, relayState: request.relayState });
  // A forged RelayState, or no cookie: no redirect anywhere, a page.
  const forged = await t.app.request(
    idp.logoutResponseUrl({ sloUrl, inResponseTo: request.id, relayState: "https://evil.test/" }),
    { headers: { ...html, cookie } },
  );
  assert.equal(forged.status, 200);
  assert.equal(forged.headers.get("location"), null);
  assert.match(await forged.text(), /not waiting/);
  // The forged attempt used the cookie up, as any answer would: sign out again for the genuine round trip.
  const again = await signOut(await signedIn("dewi@acme.test", "_dewi_sp2"));
  const second = idp.readLogoutMessage(new URL(again.headers.get("location")!));
  const back = await t.app.request(
    idp.logoutResponseUrl({ sloUrl, inResponseTo: second.id, relayState: second.relayState }),
    { headers: { ...html, cookie: logoutCookie(again) } },
  );
  assert.equal(back.status, 303, await back.text());
  const landed = new URL(back.headers.get("location")!);
  assert.equal(landed.origin + landed.pathname, project.redirectUri);
  assert.equal(landed.searchParams.get("state"), "bye-state");
  // The first answer, without its cookie now: the page, no redirect.
  const late = await t.app.request(answer, { headers: html });
  assert.equal(late.headers.get("location"), null);
});

Deno.test("SAML SLO — SP-initiated: an answer the IdP did not sign, or a failure status, says so and links on", async () => {
  for (const wrong of [{ key: null }, { status: "urn:oasis:names:tc:SAML:2.0:status:Responder" }]) {
    const res = await signOut(await signedIn("dewi@acme.test", `_dewi_${crypto.randomUUID()}`));
    const request = idp.readLogoutMessage(new URL(res.headers.get("location")!));
    const answer = await t.app.request(
      idp.logoutResponseUrl({ sloUrl, inResponseTo: request.id, relayState: request.relayState, ...wrong }),
      { headers: { ...html, cookie: logoutCookie(res) } },
    );
    assert.equal(answer.status, 200);
    const body = await answer.text();
    assert.match(body, /did not confirm/);
    assert.ok(body.includes(`href="${project.redirectUri}?state=bye-state"`), body);
  }
});

Deno.test("SAML SLO — without an IdP SLO URL the sign-out goes straight back to the app, as before", async () => {
  const session = await signedIn("dewi@acme.test", "_dewi_plain");
  await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_slo_url: null });
  try {
    const res = await signOut(session);
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get("location")!);
    assert.equal(location.origin + location.pathname, project.redirectUri);
    assert.equal(res.headers.getSetCookie().some((c) => c.startsWith("astapa_saml_logout=")), false);
    assert.equal((await liveByIndex())._dewi_plain, false);
  } finally {
    await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_slo_url: idp.sloUrl });
  }
});

Deno.test("SAML SLO — a SAML sign-in through a second factor keeps its SessionIndex with the session the factor starts", async () => {
  await sql`update astapa.projects set settings = settings || '{"mfa": {"policy": "required"}}' where id = ${project.id}`;
  try {
    const res = await s.signIn({ nameId: "indah@acme.test", sessionIndex: "_indah_mfa" }, "indah@acme.test");
    assert.equal(res.status, 303, await res.clone().text());
    const mfa = res.headers.get("location")!;
    assert.match(mfa, /^\/auth\/mfa\?/);
    assert.equal(sessionCookie(res, project.id), undefined, "no session before the second factor");
    const browser = new FormBrowser(t);
    browser.keep(res);
    const page = await browser.get(mfa);
    assert.equal(page.status, 200);
    const html = await page.text();
    const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1].replace(/\s+/g, "");
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key) }).generate();
    const done = await browser.post(html, { code });
    assert.equal(done.status, 200, await done.clone().text());
    assert.equal((await liveByIndex())._indah_mfa, true, "the met challenge's session is the SAML sign-in's");
    const ended = await logoutRequest(idp.logoutRequestUrl({ sloUrl, nameId: "indah@acme.test" }));
    assert.equal(ended.status, 302);
    assert.equal((await liveByIndex())._indah_mfa, false);
  } finally {
    await sql`update astapa.projects set settings = settings - 'mfa' where id = ${project.id}`;
  }
});

Deno.test("SAML SLO — HTTP-POST binding: a signed LogoutRequest ends the sessions; unsigned, foreign or wrapped ones nothing", async () => {
  await signedIn("dewi@acme.test", "_dewi_post");
  await signedIn("budi@acme.test", "_budi_post");
  const post = (body: URLSearchParams) =>
    t.app.request(sloPath, {
      method: "POST",
      headers: {
        ...html,
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://idp.acme.test",
      },
      body,
    });
  const base = { sloUrl, nameId: "budi@acme.test", sessionIndexes: ["_budi_post"] };
  const before = await liveByIndex();
  const stranger = await signingKey("CN=Stranger");
  const refused: [string, URLSearchParams][] = [
    ["unsigned", idp.logoutRequestForm({ ...base, key: null })],
    ["another key", idp.logoutRequestForm({ ...base, key: stranger })],
    ["another issuer", idp.logoutRequestForm({ ...base, issuer: "https://evil.test/saml" })],
    ["another destination", idp.logoutRequestForm({ ...base, destination: connection.acs_url })],
    // Signed for budi, changed to name dewi: the signature no longer holds.
    ["a changed NameID", idp.logoutRequestForm({ ...base, tamper: (xml) => xml.replace("budi@", "dewi@") })],
    // A second NameID slipped in where the enveloped signature does not look (inside the Signature).
    [
      "a NameID inside the Signature",
      idp.logoutRequestForm({
        ...base,
        tamper: (xml) =>
          xml.replace(
            /<\/((?:ds:)?)Signature>/,
            (_, ds) =>
              `<${ds}Object><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">dewi@acme.test` +
              `</saml:NameID></${ds}Object></${ds}Signature>`,
          ),
      }),
    ],
  ];
  assert.match(atob(refused[5][1].get("SAMLRequest")!), /Object><saml:NameID/, "the wrapped NameID is in");
  for (const [name, body] of refused) {
    const res = await post(body);
    assert.equal(res.status, 400, `${name}: ${res.status} ${await res.text()}`);
    assert.deepEqual(await liveByIndex(), before, `${name} ended nothing`);
  }
  const res = await post(idp.logoutRequestForm({ ...base, relayState: "posted-relay" }));
  assert.equal(res.status, 302, await res.text());
  const answer = idp.readLogoutMessage(new URL(res.headers.get("location")!));
  assert.equal(answer.status, "urn:oasis:names:tc:SAML:2.0:status:Success");
  assert.equal(answer.relayState, "posted-relay");
  const after = await liveByIndex();
  assert.deepEqual([after._budi_post, after._dewi_post], [false, true]);
});

Deno.test("SAML SLO — SP-initiated without a post_logout_redirect_uri: back from the IdP to Astapa's signed-out page", async () => {
  const res = await signOut(await signedIn("dewi@acme.test", "_dewi_page"), false);
  assert.equal(res.status, 303, await res.text());
  const request = idp.readLogoutMessage(new URL(res.headers.get("location")!));
  const back = await t.app.request(
    idp.logoutResponseUrl({ sloUrl, inResponseTo: request.id, relayState: request.relayState }),
    { headers: { ...html, cookie: logoutCookie(res) } },
  );
  assert.equal(back.status, 303);
  const here = back.headers.get("location")!;
  assert.equal(here, `/auth/logout?${new URLSearchParams({ client_id: project.clientId, lang: "en" })}`);
  const page = await t.app.request(here, { headers: html });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /You are signed out/);
});

Deno.test("SAML SLO — a second connection of the same IdP: a request addressed to one is refused at the other; one addressed to it ends only its own sessions", async () => {
  assert.equal((await s.api("POST", "/organizations", { name: "Beta", slug: "beta" })).status, 201);
  assert.equal((await s.api("POST", "/organizations/beta/domains", { domain: "beta.test" })).status, 201);
  assert.equal((await s.api("PUT", "/organizations/beta/domains/beta.test")).status, 200);
  const put = await s.api("PUT", "/organizations/beta/sso-connection", {
    protocol: "saml",
    idp_metadata_xml: idp.metadata(),
    idp_slo_url: idp.sloUrl,
  });
  assert.equal(put.status, 200, put.text);
  const betaSlo = `${(put.body as { sp_entity_id: string }).sp_entity_id}/slo`;
  assert.notEqual(betaSlo, sloUrl);
  await signedIn("dewi@acme.test", "_dewi_cross");
  const before = await liveByIndex();
  // Signed by the same IdP key, for acme's connection, replayed at beta's endpoint: not addressed there.
  const misdirected = await logoutRequest(
    idp.logoutRequestUrl({ sloUrl: betaSlo, destination: sloUrl, nameId: "dewi@acme.test" }),
  );
  assert.equal(misdirected.status, 400);
  // Addressed to beta, naming a NameID whose session came through acme: beta has none of it to end.
  const beta = await logoutRequest(idp.logoutRequestUrl({ sloUrl: betaSlo, nameId: "dewi@acme.test" }));
  assert.equal(beta.status, 302, await beta.text());
  assert.deepEqual(await liveByIndex(), before, "acme's sessions are not beta's to end");
  assert.equal(before._dewi_cross, true);
});

Deno.test("SAML SLO — a comment slipped into a signed NameID (HTTP-POST) does not shorten it to another person's", async () => {
  await signedIn("dewi@acme.test", "_dewi_comment");
  const before = await liveByIndex();
  // The IdP signed a LogoutRequest for its own user dewi@acme.test.evil.test; a comment does not change the
  // canonical (signed) form, so the signature still holds — but the NameID must still be read whole.
  const form = idp.logoutRequestForm({
    sloUrl,
    nameId: "dewi@acme.test.evil.test",
    tamper: (xml) => xml.replace("dewi@acme.test.evil.test", "dewi@acme.test<!---->.evil.test"),
  });
  assert.match(atob(form.get("SAMLRequest")!), /dewi@acme\.test<!---->\.evil\.test/);
  const res = await t.app.request(sloPath, {
    method: "POST",
    headers: {
      ...html,
      "content-type": "application/x-www-form-urlencoded",
      origin: "https://idp.acme.test",
    },
    body: form,
  });
  await res.body?.cancel();
  // Verified (the comment is outside the signed form) and read whole: Success, for a NameID with no session here.
  assert.equal(res.status, 302);
  assert.deepEqual(await liveByIndex(), before, "dewi@acme.test is still signed in");
});

Deno.test("SAML SLO — bounded input: a deflate bomb, a DOCTYPE, a RelayState over 1000 characters or an oversized POST: a 400 page, nothing ends", async () => {
  await signedIn("dewi@acme.test", "_dewi_bounds");
  const before = await liveByIndex();
  // 64 MiB of XML text inflates from about 64 KiB: the inflation must stop at its bound, not fill memory.
  const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024, " ")).toString("base64");
  const sigAlg = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
  const laughs = deflateRawSync(Buffer.from(
    `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
      `<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>` +
      `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Destination="${sloUrl}">` +
      `<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&c;</saml:NameID></samlp:LogoutRequest>`,
  )).toString("base64");
  const attempts: [string, () => Response | Promise<Response>][] = [
    [
      "a deflate bomb",
      () =>
        logoutRequest(
          `${sloPath}?${new URLSearchParams({ SAMLRequest: bomb, SigAlg: sigAlg, Signature: "AAAA" })}`,
        ),
    ],
    [
      "entities that expand (a DOCTYPE)",
      () =>
        logoutRequest(
          `${sloPath}?${new URLSearchParams({ SAMLRequest: laughs, SigAlg: sigAlg, Signature: "AAAA" })}`,
        ),
    ],
    [
      "a long RelayState, signed",
      () =>
        logoutRequest(
          idp.logoutRequestUrl({ sloUrl, nameId: "dewi@acme.test", relayState: "r".repeat(1001) }),
        ),
    ],
    [
      "a long RelayState, posted",
      () =>
        t.app.request(sloPath, {
          method: "POST",
          headers: { ...html, "content-type": "application/x-www-form-urlencoded" },
          body: idp.logoutRequestForm({ sloUrl, nameId: "dewi@acme.test", relayState: "r".repeat(1001) }),
        }),
    ],
    [
      "a posted SAMLRequest over its bound",
      () =>
        t.app.request(sloPath, {
          method: "POST",
          headers: { ...html, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ SAMLRequest: "A".repeat(400_000) }),
        }),
    ],
  ];
  for (const [name, attempt] of attempts) {
    const res = await attempt();
    const body = await res.text();
    assert.equal(res.status, 400, name);
    assert.equal(res.headers.get("location"), null, name);
    assert.match(body, /<html/i, `${name}: a page`);
    assert.deepEqual(await liveByIndex(), before, `${name} ended nothing`);
  }
});

Deno.test("SAML SLO — the signature covers the binding's parameters in their order, whatever order they came in; an added RelayState breaks it", async () => {
  await signedIn("dewi@acme.test", "_dewi_order");
  const signed = new URL(
    `https://sp.test${idp.logoutRequestUrl({ sloUrl, nameId: "budi@acme.test", relayState: "kept" })}`,
  );
  // The same parameters reversed, with one of no binding's beside them: still the IdP's request.
  const reordered = [...signed.search.slice(1).split("&")].reverse().join("&") + "&utm_source=mail";
  const res = await logoutRequest(`${sloPath}?${reordered}`);
  assert.equal(res.status, 302, await res.text());
  assert.equal(idp.readLogoutMessage(new URL(res.headers.get("location")!)).relayState, "kept");
  // A RelayState added to a request signed without one: not what the IdP signed.
  const bare = idp.logoutRequestUrl({ sloUrl, nameId: "dewi@acme.test" });
  const added = await logoutRequest(`${bare}&RelayState=${encodeURIComponent("https://evil.test/")}`);
  assert.equal(added.status, 400);
  assert.equal(added.headers.get("location"), null);
  await added.body?.cancel();
  assert.equal((await liveByIndex())._dewi_order, true);
});
