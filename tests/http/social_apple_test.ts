/**
 * Sign in with Apple through the hosted login, against a local Apple the unmodified oauth4webapi talks to: the
 * form_post answer posted cross-site to the callback (the SameSite=None flow cookie and its state are what let
 * it in), the ES256 client secret Apple checks, string booleans, private relay addresses, returning people
 * without an email, linking as Google's, and every failure a readable page in en and id.
 */
import assert from "node:assert/strict";
import { seedProject, seedUser } from "../helpers/identity.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { appTokenClaims, FAILED_SAYS, OUTAGE_SAYS, projectRows, socialTestApp } from "../helpers/social.ts";
import { appleEnv, postBack, startApple } from "../helpers/apple.ts";
import { newAppleKey, startFakeApple } from "../fakes/apple.ts";
import { json } from "../fakes/serve.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { organizationWithDomain, platformApi } from "../helpers/platform_api.ts";
import { sealProviderSecret } from "@/lib/login/social/providers.ts";
import { asApp } from "@/db/client.ts";
import { csrfOf } from "../helpers/csrf.ts";

const apple = await startFakeApple();
const { t } = await socialTestApp(appleEnv(apple));
Deno.test.afterAll(() => apple.close());
const html = { accept: "text/html" };

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });

/** Redeems the code the app received and returns the access token's claims. */
const appTokens = (res: Response, p: SeededProject = project) => appTokenClaims(t, res, p);

const signIn = async (p: SeededProject = project, lang: "en" | "id" = "en") =>
  await postBack(t, apple, await startApple(t, p, lang));

// First in the file: Apple's discovery document is kept for an hour once fetched, and a failed fetch is not kept.
Deno.test("apple — Apple down at discovery: the start route shows a 502 page naming Apple, in the person's language", async () => {
  apple.answerOnce.set("/.well-known/openid-configuration", new Response("unavailable", { status: 503 }));
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    lang: "id",
  });
  const res = await t.app.request(`/auth/social/apple?${query}`, { headers: html });
  assert.equal(res.status, 502);
  assert.ok((await res.text()).includes(OUTAGE_SAYS.id("Apple")));
  assert.equal(res.headers.getSetCookie().some((c) => c.includes("astapa_social=")), false);
});

Deno.test("apple — the button sits between Google and GitHub, black with Apple's logo, in en and id", async () => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  for (const path of ["/auth/login", "/auth/signup"]) {
    const page = await (await t.app.request(`${path}?${query}`)).text();
    const order = ["google", "apple", "github"].map((p) => page.indexOf(`href="/auth/social/${p}?`));
    assert.ok(order[0] > 0 && order[0] < order[1] && order[1] < order[2], String(order));
    assert.match(
      page,
      /class="button social social-apple" href="\/auth\/social\/apple\?[^"]+"><svg[^>]*aria-hidden="true"/,
    );
    assert.match(page, /<\/svg>Continue with Apple</);
  }
  assert.match(await (await t.app.request(`/auth/login?${query}&lang=id`)).text(), /Lanjutkan dengan Apple/);
});

Deno.test("apple — form_post with state and nonce, no PKCE, a SameSite=None flow cookie; first creates, then finds", async () => {
  apple.approveAs = { sub: "001.apple.dewi", email: "Dewi@icloud.test", email_verified: "true" };
  const started = await startApple(t, project);
  const sent = apple.authorizeRequests.at(-1)!;
  assert.equal(sent.get("response_mode"), "form_post");
  assert.equal(sent.get("scope"), "name email");
  assert.equal(sent.get("redirect_uri"), `${t.origin}/auth/social/apple/callback`);
  assert.ok(sent.get("nonce") && sent.get("state"));
  assert.equal(sent.has("code_challenge"), false, "Apple takes no PKCE");
  assert.match(started.setCookie, /SameSite=None/i);
  assert.match(started.setCookie, /Secure/i);
  assert.match(started.setCookie, /HttpOnly/i);
  const refused = apple.refusedSecrets.length;
  const first = await appTokens(await postBack(t, apple, started));
  assert.equal(first.email, "Dewi@icloud.test");
  assert.equal(first.email_verified, true, 'the string "true" is true');
  assert.equal(apple.refusedSecrets.length, refused, "Apple accepted the ES256 client secret");
  assert.equal((await appTokens(await signIn())).sub, first.sub);
});

Deno.test("apple — a returning person without an email in the ID token is found by the linked subject", async () => {
  apple.approveAs = { sub: "001.apple.rudi", email: "rudi@icloud.test", email_verified: true };
  const first = await appTokens(await signIn());
  apple.approveAs = { sub: "001.apple.rudi" };
  const again = await appTokens(await signIn());
  assert.equal(again.sub, first.sub);
  assert.equal(again.email, "rudi@icloud.test");
});

Deno.test("apple — an unknown subject without an email is a readable 422 page in en and id, its token given back", async () => {
  const before = await projectRows(t.db.sql, project.id);
  const given = () =>
    t.db.sql`select count(*)::int as n from astapa.apple_token_revocations where project_id = ${project.id}`;
  const [{ n: givenBefore }] = await given();
  apple.approveAs = { sub: "001.apple.nobody" };
  const en = await signIn();
  assert.equal(en.status, 422);
  assert.match(await en.text(), /Apple did not share your email address this time/);
  const id = await signIn(project, "id");
  assert.equal(id.status, 422);
  assert.match(await id.text(), /Apple tidak membagikan alamat email Anda kali ini/);
  assert.deepEqual(await projectRows(t.db.sql, project.id), before, "no user, identity, session or audit");
  // Revoked, Apple asks again and shares the address at the next sign-in (tests/http/apple_revocation_test.ts).
  assert.equal((await given())[0].n, givenBefore + 2);
});

Deno.test("apple — a private relay address is a real, verified address; the first sign-in's name fills the profile, never the audit", async () => {
  const relay = "x7k2p9qq4m@privaterelay.appleid.com";
  apple.approveAs = {
    sub: "001.apple.hidden",
    email: relay,
    email_verified: "true",
    is_private_email: "true",
    name: { firstName: "Sari", lastName: "Wulandari" },
  };
  const started = await startApple(t, project);
  assert.match(started.fields.get("user") ?? "", /Wulandari/, "Apple posts the name the first time");
  const claims = await appTokens(await postBack(t, apple, started));
  assert.equal(claims.email, relay);
  assert.equal(claims.email_verified, true);
  const [row] = await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select count(*)::int as n from astapa.audit_log where project_id = ${project.id}
       and details::text like '%Wulandari%'`,
  );
  assert.equal(row.n, 0);
  const [person] = await t.db
    .sql`select name, given_name, family_name from astapa.users where id = ${String(claims.sub)}`;
  assert.deepEqual(person, { name: "Sari Wulandari", given_name: "Sari", family_name: "Wulandari" });
});

Deno.test("apple — string and boolean email_verified: false stays unverified and never links", async () => {
  apple.approveAs = { sub: "001.apple.new-unverified", email: "baru@example.com", email_verified: "false" };
  assert.equal((await appTokens(await signIn())).email_verified, false);
  await seedUser(t.db.sql, project.id, "tono@example.com", { verified: true });
  for (const email_verified of ["false", false] as const) {
    apple.approveAs = {
      sub: `001.apple.imposter-${email_verified}`,
      email: "tono@example.com",
      email_verified,
    };
    const res = await signIn();
    assert.equal(res.status, 409);
    assert.match(await res.text(), /not verified on both sides/);
  }
});

Deno.test("apple — a verified Apple address links to the verified account, never to an unverified one", async () => {
  const existing = await seedUser(t.db.sql, project.id, "rina@example.com", { verified: true });
  apple.approveAs = { sub: "001.apple.rina", email: "RINA@example.com", email_verified: true };
  assert.equal((await appTokens(await signIn())).sub, existing);
  const [link] = await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select details from astapa.audit_log where action = 'user.identity_link' order by id desc limit 1`,
  );
  assert.deepEqual(link.details, { provider: "apple", created: false });
  await seedUser(t.db.sql, project.id, "pre@example.com", { verified: false });
  apple.approveAs = { sub: "001.apple.pre", email: "pre@example.com", email_verified: "true" };
  assert.equal((await signIn()).status, 409);
});

Deno.test("apple — cancelled at Apple: a readable 403 page", async () => {
  apple.deny = "user_cancelled_authorize";
  try {
    const res = await signIn(project, "id");
    assert.equal(res.status, 403);
    assert.match(await res.text(), /Anda membatalkan proses masuk/);
  } finally {
    apple.deny = undefined;
  }
});

Deno.test("apple — a forged state, no cookie, a reused code: readable 400 pages in en and id", async () => {
  apple.approveAs = { sub: "001.apple.stale", email: "stale@icloud.test", email_verified: true };
  for (
    const [lang, says] of [["en", /expired or was started in another browser/], [
      "id",
      /kedaluwarsa/,
    ]] as const
  ) {
    const started = await startApple(t, project, lang);
    const forged = new URLSearchParams(started.fields);
    forged.set("state", "forged");
    const wrong = await postBack(t, apple, started, forged);
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), says);
    // Without the cookie nothing says the flow's language: the browser's own (Accept-Language) does.
    const other = await startApple(t, project, lang);
    const noCookie = await t.app.request(other.action.pathname, {
      method: "POST",
      headers: {
        ...html,
        origin: apple.issuer,
        "accept-language": lang,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: other.fields.toString(),
    });
    assert.equal(noCookie.status, 400);
    assert.match(await noCookie.text(), says);
  }
  // The same answer posted twice: the cookie is gone the second time; with a fresh flow, Apple refuses the code.
  const once = await startApple(t, project);
  assert.equal((await postBack(t, apple, once)).status, 303);
  assert.equal((await postBack(t, apple, once)).status, 400);
  const fresh = await startApple(t, project);
  const reused = new URLSearchParams(fresh.fields);
  reused.set("code", once.fields.get("code")!);
  const refused = await postBack(t, apple, fresh, reused);
  assert.equal(refused.status, 400);
  assert.ok((await refused.text()).includes(FAILED_SAYS.en));
});

Deno.test("apple — a GET to Apple's callback is refused and leaves the flow; a POST to Google's is refused too", async () => {
  const started = await startApple(t, project);
  const query = new URLSearchParams({
    code: started.fields.get("code")!,
    state: started.fields.get("state")!,
  });
  const get = await t.app.request(`/auth/social/apple/callback?${query}`, {
    headers: { ...html, cookie: started.cookie },
  });
  assert.equal(get.status, 405);
  await get.body?.cancel();
  const post = await t.app.request("/auth/social/google/callback", {
    method: "POST",
    headers: { ...html, "content-type": "application/x-www-form-urlencoded" },
    body: query.toString(),
  });
  assert.equal(post.status, 405);
  await post.body?.cancel();
  assert.equal((await postBack(t, apple, started)).status, 303, "the real answer still signs in");
});

Deno.test("apple — Apple down at the token endpoint (5xx, or a page that is not JSON): a 502 page naming Apple", async () => {
  const before = await projectRows(t.db.sql, project.id);
  apple.approveAs = { sub: "001.apple.down", email: "down@icloud.test", email_verified: true };
  apple.answerOnce.set("/auth/token", json({ error: "server_error" }, 503));
  const res = await signIn(project, "id");
  assert.equal(res.status, 502);
  assert.ok((await res.text()).includes(OUTAGE_SAYS.id("Apple")));
  apple.answerOnce.set("/auth/token", new Response("<html>Bad gateway</html>", { status: 200 }));
  const page = await signIn();
  assert.equal(page.status, 502);
  assert.ok((await page.text()).includes(OUTAGE_SAYS.en("Apple")));
  assert.deepEqual(await projectRows(t.db.sql, project.id), before, "nothing written");
});

Deno.test("apple — a bad project key or one Apple refuses: a readable 500 page, logged for the operator without the key", async () => {
  const p = await seedProject(t.db.sql, { name: "Toko Kunci" });
  const notAKey = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----";
  const setOwn = async (pem: string, teamId: string, keyId: string) =>
    await t.db.sql`update astapa.projects set settings = ${
      t.db.sql.json({
        social_login: {
          apple: {
            client_id: "com.example.toko",
            team_id: teamId,
            key_id: keyId,
            private_key_sealed: await sealProviderSecret(t.deps.masterKeys.social, p.id, "apple", pem),
          },
        },
      })
    } where id = ${p.id}`;
  const registered = await newAppleKey("TOKOTEAM01", "TOKOKEY001");
  apple.clients.set("com.example.toko", registered);
  apple.approveAs = { sub: "001.apple.toko", email: "toko@icloud.test", email_verified: true };
  const cases = [
    [notAKey, "TOKOTEAM01", "TOKOKEY001"], // not a key at all
    [(await newAppleKey()).privateKeyPem, "TOKOTEAM01", "TOKOKEY001"], // another key: bad signature
    [registered.privateKeyPem, "OTHERTEAM1", "TOKOKEY001"], // wrong team
    [registered.privateKeyPem, "TOKOTEAM01", "WRONGKEY01"], // wrong kid
  ] as const;
  for (const [pem, teamId, keyId] of cases) {
    await setOwn(pem, teamId, keyId);
    for (const lang of ["en", "id"] as const) {
      const res = await postBack(t, apple, await startApple(t, p, lang));
      assert.equal(res.status, 500);
      const page = await res.text();
      assert.match(page, lang === "en" ? /not set up correctly for this app/ : /belum diatur dengan benar/);
      assert.ok(!page.includes("PRIVATE KEY"));
      const line = t.logs.filter((l) => l.msg === "social_sign_in_stopped").at(-1)!;
      assert.equal(line.level, "error");
      assert.equal(line.reason, "socialMisconfigured");
      assert.equal(line.provider, "apple");
    }
  }
  assert.deepEqual(apple.refusedSecrets.slice(-6), [
    "JWSSignatureVerificationFailed",
    "JWSSignatureVerificationFailed",
    "JWTClaimValidationFailed",
    "JWTClaimValidationFailed",
    "wrong kid",
    "wrong kid",
  ]);
  await setOwn(registered.privateKeyPem, "TOKOTEAM01", "TOKOKEY001");
  assert.equal(
    (await appTokens(await postBack(t, apple, await startApple(t, p)), p)).email,
    "toko@icloud.test",
  );
  // No key, sealed or in clear, in any log line.
  const logged = JSON.stringify(t.logs);
  for (const pem of [registered.privateKeyPem, apple.key.privateKeyPem, notAKey]) {
    const body = pem.split("\n")[1];
    assert.ok(!logged.includes(body), "a key's text in the log");
  }
});

Deno.test("apple — the local Apple refuses an expired client secret as invalid_client, as Apple does", async () => {
  const { SignJWT, importPKCS8 } = await import("jose");
  const key = await importPKCS8(apple.key.privateKeyPem, "ES256");
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: apple.key.keyId })
    .setIssuer(apple.key.teamId).setSubject(apple.clientId).setAudience(apple.issuer)
    .setIssuedAt(now - 600).setExpirationTime(now - 300).sign(key);
  const res = await fetch(`${apple.issuer}/auth/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: "whatever",
      client_id: apple.clientId,
      client_secret: expired,
      redirect_uri: `${t.origin}/auth/social/apple/callback`,
    }),
  });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { error: "invalid_client" });
});

Deno.test("apple — enforced SSO applies: an Apple address at the organization's domain hands over to its IdP", async () => {
  const idp = await startFakeGoogle({
    clientId: "astapa-at-acme",
    clientSecret: "acme-idp-secret-0123456789",
  });
  t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
  try {
    const p = await seedProject(t.db.sql, { name: "Kantor" });
    const api = platformApi(t, p);
    await organizationWithDomain(api, "acme", "acme.test");
    const sso = await api("PUT", "/organizations/acme/sso-connection", {
      issuer: idp.issuer,
      idp_client_id: idp.clientId,
      idp_client_secret: idp.clientSecret,
    });
    assert.ok(sso.status < 300, `sso-connection: ${sso.status} ${sso.text}`);
    apple.approveAs = { sub: "001.apple.gita", email: "gita@acme.test", email_verified: "true" };
    const refused = await postBack(t, apple, await startApple(t, p));
    assert.equal(refused.status, 403);
    const page = await refused.text();
    assert.match(page, /signs you in with its own identity provider/);
    assert.match(page, /name="email" value="gita@acme.test"/);
    apple.approveAs = { sub: "001.apple.gita-other", email: "gita@other.test", email_verified: true };
    assert.equal((await postBack(t, apple, await startApple(t, p))).status, 303);
  } finally {
    await idp.close();
  }
});

Deno.test("apple — a first Apple sign-in held for consent keeps its refresh token, sealed, and the account the step makes has it", async () => {
  const sql = t.db.sql;
  const asking = await seedProject(sql, {
    name: "Warung Kopi",
    settings: {
      sign_up: { require_legal_consent: true },
      branding: { terms_url: "https://warung.example/terms" },
    },
  });
  apple.approveAs = { sub: "001.apple.setuju", email: "setuju@icloud.test", email_verified: "true" };
  const back = await postBack(t, apple, await startApple(t, asking));
  assert.equal(back.status, 303, (await back.text()).slice(0, 400));
  const location = back.headers.get("location")!;
  assert.match(location, /^\/auth\/signup\/continue\?/);
  const [held] = await sql`select token_client_id, refresh_token_sealed from astapa.held_social_sign_ups
    where project_id = ${asking.id} and subject = '001.apple.setuju'`;
  assert.equal(held.token_client_id, apple.clientId);
  const issued = apple.refreshTokens.get("001.apple.setuju")!.at(-1)!;
  assert.ok(held.refresh_token_sealed && !held.refresh_token_sealed.includes(issued), "sealed, never plain");
  const queued = async () =>
    (await sql`select count(*)::int as n from astapa.apple_token_revocations where project_id = ${asking.id}`)[
      0
    ]
      .n;
  assert.equal(await queued(), 0, "not given back while held");

  const heldCookie =
    back.headers.getSetCookie().find((c) => c.startsWith("astapa_held_sign_up="))!.split(";")[0];
  const page = await t.app.request(location, { headers: { ...html, cookie: heldCookie } });
  assert.equal(page.status, 200);
  const cookie = [heldCookie, ...page.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
  const request = new URLSearchParams({ client_id: asking.clientId, redirect_uri: asking.redirectUri });
  const done = await t.app.request("/auth/signup/continue?lang=en", {
    method: "POST",
    headers: { ...html, cookie, origin: t.origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      request: request.toString(),
      csrf: csrfOf(await page.text()),
      legal_consent: "on",
    }),
  });
  assert.equal(done.status, 303, (await done.text()).slice(0, 400));
  assert.ok(done.headers.get("location")!.startsWith(`${asking.redirectUri}?code=`));
  const [identity] = await sql`select i.token_client_id, i.refresh_token_sealed, u.legal_accepted_at
    from astapa.identities i join astapa.users u on u.project_id = i.project_id and u.id = i.user_id
    where i.project_id = ${asking.id} and i.provider = 'apple' and i.subject = '001.apple.setuju'`;
  assert.equal(identity.token_client_id, apple.clientId);
  assert.equal(
    identity.refresh_token_sealed,
    held.refresh_token_sealed,
    "the held token, kept on the identity",
  );
  assert.ok(identity.legal_accepted_at instanceof Date);
  assert.equal(await queued(), 0);
});
