/**
 * IdP-initiated SAML sign-in (docs/enterprise-sso.md "Sign-in from the IdP's portal") through the real hosted pages,
 * Platform API and Postgres, the fake IdP sending a signed Response unasked: the tile → the ACS (verified, nobody
 * signed in) → the app's initiate_login_uri with iss and login_hint → the app's own authorization request (state,
 * PKCE) → the account named, Continue → a code the app redeems with its verifier. Refused: a replay, the setting off,
 * no initiate_login_uri, another connection's audience, an expired assertion, an answer to someone's request; ignored:
 * another login_hint, a used, expired or other project's pending sign-in. Login CSRF (an attacker's own Response
 * posted into the victim's browser) ends at a page naming the attacker's account, where Cancel drops it.
 */
import assert from "node:assert/strict";
import { encodeResponse, type ResponseOptions } from "../fakes/saml_idp.ts";
import { samlSetUp } from "../helpers/saml_sso.ts";
import { pkcePair } from "../helpers/oauth.ts";
import { type HostedForm, hostedForm, mergeCookies } from "../helpers/dynamic_clients.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { seedUser } from "../helpers/identity.ts";

const s = await samlSetUp();
Deno.test.afterAll(() => s.close());
const { t, idp, connection, project } = s;
const START = "https://app.example/login/start";
const html = { accept: "text/html" };

assert.equal(
  (await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_initiated: true }))
    .status,
  200,
);
assert.equal((await s.api("PATCH", "/initiate-login-settings", { initiate_login_uri: START })).status, 200);

/** The fake IdP's portal tile: a signed Response for `nameId`, sent unasked. */
const tile = (extra: Partial<ResponseOptions> = {}) =>
  encodeResponse(idp.signedXml({
    inResponseTo: "",
    idpInitiated: true,
    acsUrl: connection.acs_url,
    audience: connection.sp_entity_id,
    ...extra,
  }));

/** The IdP's page posts the Response cross-site, with no cookie of this browser's (or `cookie`). */
const postTile = (
  samlResponse: string,
  options: { relayState?: string; cookie?: string; lang?: string } = {},
) =>
  t.app.request(`${new URL(connection.acs_url).pathname}${options.lang ? `?lang=${options.lang}` : ""}`, {
    method: "POST",
    headers: {
      ...html,
      "content-type": "application/x-www-form-urlencoded",
      origin: "https://idp.acme.test",
      cookie: options.cookie ?? "",
    },
    body: new URLSearchParams({
      SAMLResponse: samlResponse,
      ...(options.relayState === undefined ? {} : { RelayState: options.relayState }),
    }),
  });

/** What the app's initiate-login route starts: its own state, PKCE and the login_hint it was given. */
async function appRequest(loginHint: string, extra: Record<string, string> = {}) {
  const { verifier, challenge } = await pkcePair();
  const query = new URLSearchParams({
    response_type: "code",
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    scope: "openid email",
    state: "app-state-7",
    code_challenge: challenge,
    code_challenge_method: "S256",
    login_hint: loginHint,
    ...extra,
  });
  return { query, verifier };
}

/** Posts the portal page's form (`form`, read from it) with Continue or Cancel pressed. */
const choose = (
  form: HostedForm,
  choice: "continue" | "cancel",
  options: { cookie?: string; csrf?: string } = {},
) =>
  t.app.request(form.action, {
    method: "POST",
    headers: {
      ...html,
      "content-type": "application/x-www-form-urlencoded",
      cookie: options.cookie ?? form.cookie,
      origin: t.origin,
    },
    body: new URLSearchParams({ request: form.request, csrf: options.csrf ?? form.csrf, choice }),
  });

const get = (path: string, cookie: string) => t.app.request(path, { headers: { ...html, cookie } });

/** The tile's Response accepted: the redirect to the app and the browser's cookies. */
async function viaTile(nameId: string, relayState?: string) {
  const res = await postTile(tile({ nameId }), { relayState });
  assert.equal(res.status, 303, await res.clone().text());
  return { res, target: new URL(res.headers.get("location")!), jar: mergeCookies("", res) };
}

/** The sign-in page with the app's request: where it sends this browser (or the page it shows). */
async function login(jar: string, loginHint: string, extra: Record<string, string> = {}) {
  const request = await appRequest(loginHint, extra);
  return { ...request, res: await get(`/auth/login?${request.query}`, jar) };
}

async function pendingCount() {
  const [row] = await t.db.sql`select count(*)::int as n from astapa.sso_pending_sign_ins
    where project_id = ${project.id} and used_at is null`;
  return row.n as number;
}

Deno.test("IdP-initiated SAML — tile → ACS → initiate_login_uri → the app's request → Continue → code → tokens", async () => {
  const before = await s.footprint();
  const { res, target, jar } = await viaTile("wulan@acme.test", "https://app.example/reports?tab=1");
  assert.equal(`${target.origin}${target.pathname}`, START);
  assert.equal(target.searchParams.get("iss"), t.origin);
  assert.equal(target.searchParams.get("login_hint"), "wulan@acme.test");
  assert.equal(target.searchParams.get("target_link_uri"), "https://app.example/reports?tab=1");
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`astapa_pending_login_${project.id}=`))!;
  assert.match(cookie, new RegExp(`^astapa_pending_login_${project.id}=[\\w-]{60,};`), "the token sealed");
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.deepEqual(await s.footprint(), before, "the ACS signs nobody in");
  const [kept] = await t.db.sql`select email, subject, used_at from astapa.sso_pending_sign_ins
    where project_id = ${project.id} and email = 'wulan@acme.test'`;
  assert.deepEqual([kept.email, kept.subject, kept.used_at], ["wulan@acme.test", "wulan@acme.test", null]);

  // The app's request (its state, PKCE, the hint): the sign-in page sends it to the portal confirmation.
  const { verifier, res: sent } = await login(jar, "Wulan@acme.test");
  assert.equal(sent.status, 303);
  const portalPath = sent.headers.get("location")!;
  assert.match(portalPath, /^\/auth\/sso\/portal\?/);
  assert.doesNotMatch(portalPath, /proj_|token=/, "the pending sign-in rides in the cookie, not the URL");
  const page = await get(portalPath, jar);
  assert.equal(page.status, 200);
  const browser = mergeCookies(jar, page);
  const form = hostedForm({ html: await page.text(), cookie: browser });
  assert.match(form.html, /You are about to sign in as:<\/p><p><strong>wulan@acme\.test<\/strong>/);
  assert.match(form.html, /name="choice" value="continue"/);
  assert.deepEqual(await s.footprint(), before, "showing the account signs nobody in");

  const done = await choose(form, "continue");
  assert.equal(done.status, 303, await done.clone().text());
  const back = new URL(done.headers.get("location")!);
  assert.equal(`${back.origin}${back.pathname}`, project.redirectUri);
  assert.equal(back.searchParams.get("state"), "app-state-7", "the app's own state");
  assert.ok(
    done.headers.getSetCookie().some((c) => c.startsWith(`astapa_pending_login_${project.id}=;`)),
    "the cookie is cleared",
  );
  // Without the app's verifier the code is worth nothing; with it, the SSO user's tokens.
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: back.searchParams.get("code")!,
    redirect_uri: project.redirectUri,
    code_verifier: verifier,
    ...credentials(project),
  });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
  const claims = claimsOf(tokens.body.access_token);
  assert.equal(claims.email, "wulan@acme.test");
  assert.equal(claims.org_id, s.org, "the SSO organization is active, as for an SP-initiated sign-in");
  assert.deepEqual(claims.amr, ["fed"]);
  const [audit] = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${project.id} and action = 'user.sso_sign_in'`;
  assert.ok(audit.n >= 1);

  // Single use: the same cookie again is a plain sign-in page, and Continue posted again says it is gone.
  const again = await login(jar, "wulan@acme.test");
  assert.equal(again.res.status, 200, "no pending sign-in any more: the sign-in page");
  const replayed = await choose(form, "continue");
  assert.equal(replayed.status, 410);
  assert.match(await replayed.text(), /expired or was already used/);
});

Deno.test("IdP-initiated SAML — the same Response posted again is refused; nothing pending from it", async () => {
  const response = tile({ nameId: "wulan@acme.test" });
  assert.equal((await postTile(response)).status, 303);
  const pending = await pendingCount();
  const replay = await postTile(response);
  assert.equal(replay.status, 400);
  assert.match(await replay.text(), /could not confirm who you are/);
  assert.equal(t.logs.filter((l) => l.msg === "sso_sign_in_stopped").at(-1)!.reason, "saml_replay");
  assert.equal(await pendingCount(), pending, "a replay records nothing");
  assert.equal(replay.headers.getSetCookie().some((c) => c.startsWith("astapa_pending_login")), false);
});

Deno.test("IdP-initiated SAML — refused like an SP-initiated answer: other audience, expired, unsigned, an answer to a request, outside the domains", async () => {
  const cases: [Partial<ResponseOptions>, number, RegExp, string][] = [
    [
      { audience: `${t.origin}/auth/sso/saml/sso_aaaaaaaaaaaaaaaaaaaaaaaa` },
      400,
      /could not confirm/,
      "saml_audience",
    ],
    [{ notOnOrAfter: new Date(Date.now() - 5 * 60_000) }, 400, /could not confirm/, "saml_expired"],
    [{ sign: { assertion: false } }, 400, /could not confirm/, "saml_signature"],
    [{ recipient: "https://elsewhere.example/acs" }, 400, /could not confirm/, "saml_recipient"],
    [{ destination: "https://elsewhere.example/acs" }, 400, /could not confirm/, "saml_destination"],
    // An answer to someone's AuthnRequest is no portal sign-in (it belongs to that browser's flow).
    [
      { idpInitiated: false, inResponseTo: "_someone_elses_request" },
      400,
      /could not confirm/,
      "saml_in_response_to",
    ],
    [{ nameId: "mallory@evil.example" }, 403, /./, "ssoWrongDomain"],
  ];
  for (const [extra, status, says, reason] of cases) {
    const before = [await s.footprint(), await pendingCount()];
    const res = await postTile(tile({ nameId: "wulan@acme.test", ...extra }));
    const text = await res.text();
    assert.equal(res.status, status, `${reason}: ${text.slice(0, 300)}`);
    assert.match(text, says);
    assert.equal(t.logs.filter((l) => l.msg === "sso_sign_in_stopped").at(-1)!.reason, reason);
    assert.deepEqual([await s.footprint(), await pendingCount()], before, `${reason}: nothing created`);
    assert.equal(res.headers.getSetCookie().some((c) => c.startsWith("astapa_pending_login")), false);
  }
});

Deno.test("IdP-initiated SAML — setting off, or no initiate_login_uri: the refusal page saying why (en, id)", async () => {
  try {
    await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_initiated: false });
    const off = await postTile(tile());
    assert.equal(off.status, 403);
    assert.match(await off.text(), /app portal is not enabled for this organization/);
    assert.equal(
      t.logs.filter((l) => l.msg === "sso_sign_in_stopped").at(-1)!.reason,
      "saml_idp_initiated_off",
    );
    const offId = await postTile(tile(), { lang: "id" });
    assert.equal(offId.status, 403);
    assert.match(await offId.text(), /portal aplikasi perusahaan Anda tidak diaktifkan/);

    await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_initiated: true });
    await s.api("PATCH", "/initiate-login-settings", { initiate_login_uri: null });
    const noApp = await postTile(tile());
    assert.equal(noApp.status, 403);
    assert.match(await noApp.text(), /it names no page to start it/);
    assert.equal(
      t.logs.filter((l) => l.msg === "sso_sign_in_stopped").at(-1)!.reason,
      "saml_no_initiate_login_uri",
    );
    const noAppId = await postTile(tile(), { lang: "id" });
    assert.match(await noAppId.text(), /tidak menyebutkan halaman untuk memulainya/);
  } finally {
    await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", idp_initiated: true });
    await s.api("PATCH", "/initiate-login-settings", { initiate_login_uri: START });
  }
});

Deno.test("IdP-initiated SAML — RelayState is a target_link_uri only when https on the app's redirect origins", async () => {
  for (
    const relay of ["https://evil.example/x", "http://app.example/x", "not a url", "javascript:alert(1)"]
  ) {
    const { target } = await viaTile("wulan@acme.test", relay);
    assert.equal(target.searchParams.get("target_link_uri"), null, relay);
  }
});

Deno.test("IdP-initiated SAML — another login_hint, prompt=none, another project, an expired or used pending sign-in: ignored", async () => {
  const { jar } = await viaTile("wulan@acme.test");
  const mismatch = await login(jar, "dewi@acme.test");
  assert.equal(mismatch.res.status, 200, "another address: the sign-in page as usual");
  const none = await login(jar, "wulan@acme.test", { prompt: "none" });
  assert.notEqual(none.res.headers.get("location")?.startsWith("/auth/sso/portal"), true);
  // The portal page itself, asked for with another hint, shows nothing of it either.
  const direct = await get(`/auth/sso/portal?${(await appRequest("dewi@acme.test")).query}`, jar);
  assert.equal(direct.status, 303);
  assert.match(direct.headers.get("location")!, /^\/auth\/login\?/);

  // Another project's request: its sign-in page neither reads nor clears this project's cookie.
  const otherQuery = new URLSearchParams({
    response_type: "code",
    client_id: s.other.clientId,
    redirect_uri: s.other.redirectUri,
    login_hint: "wulan@acme.test",
    state: "x",
  });
  const other = await get(`/auth/login?${otherQuery}`, jar);
  assert.equal(other.status, 200);
  assert.deepEqual(other.headers.getSetCookie().filter((c) => c.startsWith("astapa_pending_login")), []);
  const still = await login(jar, "wulan@acme.test");
  assert.match(
    still.res.headers.get("location") ?? "",
    /^\/auth\/sso\/portal\?/,
    "still pending at its project",
  );

  // Expired: the sign-in page as usual, and the cookie cleared.
  await t.db.sql`update astapa.sso_pending_sign_ins set expires_at = now() - interval '1 second'
    where project_id = ${project.id} and used_at is null`;
  const expired = await login(jar, "wulan@acme.test");
  assert.equal(expired.res.status, 200);
  assert.ok(
    expired.res.headers.getSetCookie().some((c) => c.startsWith(`astapa_pending_login_${project.id}=;`)),
  );
});

Deno.test("IdP-initiated SAML — login CSRF: an attacker's own Response in the victim's browser names the attacker's account; Cancel drops it", async () => {
  // The attacker holds a valid assertion for themselves and makes the victim's browser post it (an auto-submitted
  // form on any site). The app then starts its request for the attacker's address, as the ACS said.
  const before = await s.footprint();
  const { jar, target } = await viaTile("mallory@acme.test");
  assert.equal(target.searchParams.get("login_hint"), "mallory@acme.test");
  const { res } = await login(jar, "mallory@acme.test");
  const page = await get(res.headers.get("location")!, jar);
  const browser = mergeCookies(jar, page);
  const form = hostedForm({ html: await page.text(), cookie: browser });
  assert.match(form.html, /<strong>mallory@acme\.test<\/strong>/, "the victim sees whose account this is");
  assert.match(form.html, /Continue only if this is your account/);
  assert.deepEqual(await s.footprint(), before, "nobody is signed in before Continue");
  const cancel = await choose(form, "cancel");
  assert.equal(cancel.status, 303);
  assert.match(cancel.headers.get("location")!, /^\/auth\/login\?/);
  assert.ok(cancel.headers.getSetCookie().some((c) => c.startsWith(`astapa_pending_login_${project.id}=;`)));
  assert.deepEqual(await s.footprint(), before, "Cancel signs nobody in");
  // A forged Continue (no CSRF token of this browser) does nothing either.
  const forged = await choose(form, "continue", { cookie: jar, csrf: "forged" });
  assert.equal(forged.status, 403);
  assert.deepEqual(await s.footprint(), before);
});

Deno.test("IdP-initiated SAML — the Platform API setting: off by default, kept when left out, audited", async () => {
  const read = await s.api("GET", "/organizations/acme/sso-connection");
  assert.equal(read.body.idp_initiated, true);
  const kept = await s.api("PUT", "/organizations/acme/sso-connection", { protocol: "saml", enabled: true });
  assert.equal(kept.body.idp_initiated, true, "left out: kept");
  const bad = await s.api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_initiated: "yes",
  });
  assert.equal(bad.status, 400);
  const [audit] = await t.db.sql`select details from astapa.audit_log
    where project_id = ${project.id} and action = 'sso_connection.updated' order by id desc limit 1`;
  assert.equal(audit.details.idp_initiated, true);
  // Another organization's new SAML connection starts with it off.
  assert.equal((await s.api("POST", "/organizations", { name: "Beta", slug: "beta" })).status, 201);
  const fresh = await s.api("PUT", "/organizations/beta/sso-connection", { protocol: "saml" });
  assert.equal(fresh.status, 200, fresh.text);
  assert.equal(fresh.body.idp_initiated, false);
});

Deno.test("IdP-initiated SAML — encryption rules as for an answer: an encrypted assertion accepted, a plain one refused when required", async () => {
  const certificate = (await s.api("GET", "/organizations/acme/sso-connection")).body.sp_certificates[0]
    .certificate as string;
  try {
    await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      want_assertions_encrypted: true,
    });
    const plain = await postTile(tile({ nameId: "wulan@acme.test" }));
    assert.equal(plain.status, 400);
    assert.match(await plain.text(), /not encrypted/);
    assert.equal(t.logs.filter((l) => l.msg === "sso_sign_in_stopped").at(-1)!.reason, "saml_not_encrypted");
    const encrypted = await postTile(encodeResponse(
      await idp.encryptedXml({
        inResponseTo: "",
        idpInitiated: true,
        acsUrl: connection.acs_url,
        audience: connection.sp_entity_id,
        nameId: "wulan@acme.test",
        encryptTo: certificate,
      }),
    ));
    assert.equal(encrypted.status, 303, await encrypted.clone().text());
    assert.equal(
      new URL(encrypted.headers.get("location")!).searchParams.get("login_hint"),
      "wulan@acme.test",
    );
  } finally {
    await s.api("PUT", "/organizations/acme/sso-connection", {
      protocol: "saml",
      want_assertions_encrypted: false,
    });
  }
});

Deno.test("IdP-initiated SAML — the account rules apply at Continue: a disabled account is refused, nobody signed in", async () => {
  const email = "gita@acme.test";
  const { jar } = await viaTile(email);
  const [user] = await t.db
    .sql`select id from astapa.users where project_id = ${project.id} and email = ${email}`;
  assert.equal(user, undefined, "no account yet: Continue would make one");
  const { res } = await login(jar, email);
  const page = await get(res.headers.get("location")!, jar);
  const browser = mergeCookies(jar, page);
  const form = hostedForm({ html: await page.text(), cookie: browser });
  // Meanwhile the project made the account and disabled it.
  const sub = await seedUser(t.db.sql, project.id, email, { verified: true });
  await t.db.sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${sub}`;
  const sessions = (await s.footprint()).sessions;
  const done = await choose(form, "continue");
  assert.equal(done.status, 403, (await done.clone().text()).slice(0, 300));
  assert.match(await done.text(), /This account is disabled\./);
  assert.equal((await s.footprint()).sessions, sessions, "no session for a disabled account");
});
