/**
 * Google and GitHub sign-in through the hosted login, against local fakes that the unmodified oauth4webapi
 * talks to: accounts created and found, linking by verified email only, and every failure a readable page.
 */
import assert from "node:assert/strict";
import { appTokenClaims, socialTestApp } from "../helpers/social.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { sealProviderSecret } from "@/lib/login/social/providers.ts";

const { google, github, t } = await socialTestApp();

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });
const html = { accept: "text/html" };

type Started = { start: Response; cookie: string; back?: URL };

/** Clicks "Continue with …": Astapa's start route, then the provider's authorize endpoint. */
async function start(provider: string, p: SeededProject = project, extra: Record<string, string> = {}) {
  const query = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    state: "app-st",
    ...extra,
  });
  const res = await t.app.request(`/auth/social/${provider}?${query}`, { headers: html });
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const started: Started = { start: res, cookie };
  if (res.status === 303) {
    const upstream = await fetch(res.headers.get("location")!, { redirect: "manual" });
    await upstream.body?.cancel();
    if (upstream.status === 302) started.back = new URL(upstream.headers.get("location")!);
  }
  return started;
}

/** The provider's redirect back, as the browser that started the flow follows it. */
function callback(started: Started, url = started.back!, cookie = started.cookie) {
  return t.app.request(url.pathname + url.search, { headers: { ...html, cookie } });
}

async function signIn(provider: string, p: SeededProject = project) {
  const started = await start(provider, p);
  assert.equal(started.start.status, 303);
  return await callback(started);
}

/** Redeems the code the app received and returns the access token's claims. */
const appTokens = (res: Response, p: SeededProject = project) => appTokenClaims(t, res, p);

Deno.test("social — sign-in and sign-up pages show a button per enabled provider", async () => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  for (const path of ["/auth/login", "/auth/signup"]) {
    const page = await (await t.app.request(`${path}?${query}`)).text();
    assert.match(page, /href="\/auth\/social\/google\?client_id=[^"]+">Continue with Google</);
    assert.match(page, /href="\/auth\/social\/github\?[^"]+">Continue with GitHub</);
  }
  const id = await (await t.app.request(`/auth/login?${query}&lang=id`)).text();
  assert.match(id, /Lanjutkan dengan Google/);
});

Deno.test("social — Google: OIDC with PKCE, state and nonce; first sign-in creates, second finds", async () => {
  google.approveAs = { sub: "g-100", email: "Dewi@Gmail.test", email_verified: true };
  const started = await start("google");
  assert.equal(started.start.status, 303);
  assert.match(started.cookie, /astapa_social=/);
  const sent = google.authorizeRequests.at(-1)!;
  assert.equal(sent.get("redirect_uri"), `${t.origin}/auth/social/google/callback`);
  assert.equal(sent.get("code_challenge_method"), "S256");
  assert.ok(sent.get("nonce") && sent.get("state"));
  assert.notEqual(sent.get("state"), "app-st", "the upstream state is our own, not the app's");
  const first = await appTokens(await callback(started));
  assert.equal(first.email, "Dewi@Gmail.test");
  assert.equal(first.email_verified, true);
  const second = await appTokens(await signIn("google"));
  assert.equal(second.sub, first.sub);
});

Deno.test("social — GitHub: OAuth with /user and the verified primary from /user/emails", async () => {
  github.approveAs = {
    id: 9001,
    login: "budi",
    emails: [
      { email: "old@github.test", primary: false, verified: true },
      { email: "budi@github.test", primary: true, verified: true },
    ],
  };
  const res = await signIn("github");
  assert.match(res.headers.getSetCookie().join(";"), new RegExp(`astapa_session_${project.id}=`));
  const claims = await appTokens(res);
  assert.equal(claims.email, "budi@github.test");
  assert.equal(github.authorizeRequests.at(-1)!.get("code_challenge_method"), "S256");
  assert.equal((await appTokens(await signIn("github"))).sub, claims.sub);
});

Deno.test("social — a verified provider email links to the existing verified user", async () => {
  const existing = await seedUser(t.db.sql, project.id, "rina@example.com", { verified: true });
  google.approveAs = { sub: "g-rina", email: "RINA@example.com", email_verified: true };
  assert.equal((await appTokens(await signIn("google"))).sub, existing);
  github.approveAs = {
    id: 77,
    login: "rina",
    emails: [{ email: "rina@example.com", primary: true, verified: true }],
  };
  assert.equal((await appTokens(await signIn("github"))).sub, existing);
});

Deno.test("social — an unverified email, upstream or local, never links: a readable 409 page", async () => {
  await seedUser(t.db.sql, project.id, "tono@example.com", { verified: true });
  google.approveAs = { sub: "g-tono-imposter", email: "tono@example.com", email_verified: false };
  const res = await signIn("google");
  assert.equal(res.status, 409);
  const page = await res.text();
  assert.match(page, /Sign-in did not finish/);
  assert.match(page, /not verified on both sides/);
  assert.match(page, /href="\/auth\/login\?client_id=/);

  await seedUser(t.db.sql, project.id, "pre@example.com", { verified: false });
  google.approveAs = { sub: "g-pre", email: "pre@example.com", email_verified: true };
  assert.equal((await signIn("google")).status, 409);
});

Deno.test("social — a GitHub account without a verified primary email is refused readably", async () => {
  github.approveAs = {
    id: 5,
    login: "anon",
    emails: [{ email: "anon@github.test", primary: true, verified: false }],
  };
  const res = await signIn("github");
  assert.equal(res.status, 422);
  assert.match(await res.text(), /did not share a verified email/);
});

Deno.test("social — denied consent comes back as a readable page in the person's language", async () => {
  google.deny = "access_denied";
  github.deny = "access_denied";
  try {
    const res = await signIn("google");
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("location"), null);
    assert.match(await res.text(), /You cancelled the sign-in/);
    const started = await start("github", project, { lang: "id" });
    const id = await callback(started);
    assert.equal(id.status, 403);
    assert.match(await id.text(), /Anda membatalkan proses masuk/);
  } finally {
    google.deny = undefined;
    github.deny = undefined;
  }
});

Deno.test("social — a forged state, a missing cookie or a bad code are readable 400 pages", async () => {
  const started = await start("google");
  const forged = new URL(started.back!);
  forged.searchParams.set("state", "forged");
  const wrongState = await callback(started, forged);
  assert.equal(wrongState.status, 400);
  assert.match(await wrongState.text(), /expired or was started in another browser/);

  const other = await start("google");
  const noCookie = await callback(other, other.back!, "");
  assert.equal(noCookie.status, 400);
  assert.match(await noCookie.text(), /expired or was started in another browser/);

  const tampered = await start("google");
  const badCookie = await callback(tampered, tampered.back!, tampered.cookie.replace(/=(.{5})/, "=AAAAA"));
  assert.equal(badCookie.status, 400);

  const replay = await start("github");
  const badCode = new URL(replay.back!);
  badCode.searchParams.set("code", "expired-code");
  const rejected = await callback(replay, badCode);
  assert.equal(rejected.status, 400);
  assert.match(await rejected.text(), /could not confirm who you are/);
});

Deno.test("social — a disabled provider has no button and its routes are 404", async () => {
  const off = await seedProject(t.db.sql, { settings: { social_login: { github: { enabled: false } } } });
  const query = new URLSearchParams({ client_id: off.clientId, redirect_uri: off.redirectUri });
  const page = await (await t.app.request(`/auth/login?${query}`)).text();
  assert.match(page, /Continue with Google/);
  assert.doesNotMatch(page, /Continue with GitHub/);
  assert.equal((await t.app.request(`/auth/social/github?${query}`, { headers: html })).status, 404);
  assert.equal(
    (await t.app.request(`/auth/social/github/callback?code=x&state=y`, { headers: html })).status,
    400,
  );
  assert.equal((await t.app.request(`/auth/social/twitter?${query}`, { headers: html })).status, 404);
  assert.equal((await t.app.request(`/auth/social/twitter/callback`, { headers: html })).status, 404);
});

Deno.test("social — a project's own sealed credentials win over the deployment's", async () => {
  const own = await seedProject(t.db.sql);
  const sealed = await sealProviderSecret(t.deps.masterKeys.social, own.id, "google", "own-secret");
  await t.db.sql`update astapa.projects set settings = ${
    t.db.sql.json({
      social_login: { google: { client_id: "project-own-client", client_secret_sealed: sealed } },
    })
  } where id = ${own.id}`;
  google.extraClients["project-own-client"] = "own-secret";
  google.approveAs = { sub: "g-own", email: "own@example.com", email_verified: true };
  const started = await start("google", own);
  assert.equal(google.authorizeRequests.at(-1)!.get("client_id"), "project-own-client");
  assert.equal((await appTokens(await callback(started), own)).email, "own@example.com");

  // Sealed for another project (copied settings), the secret does not open: the provider is not offered.
  const copy = await seedProject(t.db.sql, {
    settings: { social_login: { google: { client_id: "project-own-client", client_secret_sealed: sealed } } },
  });
  const query = new URLSearchParams({ client_id: copy.clientId, redirect_uri: copy.redirectUri });
  assert.equal((await t.app.request(`/auth/social/google?${query}`, { headers: html })).status, 404);
});

Deno.test("social — a project that requires a second factor asks for it after GitHub, before any session or code", async () => {
  const strict = await seedProject(t.db.sql, {
    name: "Toko Aman",
    settings: { mfa: { policy: "required" } },
  });
  github.approveAs = {
    id: 9077,
    login: "sari",
    emails: [{ email: "sari@github.test", primary: true, verified: true }],
  };
  const res = await signIn("github", strict);
  assert.equal(res.status, 303, await res.clone().text());
  assert.match(res.headers.get("location")!, /^\/auth\/mfa\?/);
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  assert.ok(cookies.some((c) => c.startsWith(`astapa_mfa_${strict.id}=`) && c.length > 60));
  assert.equal(cookies.some((c) => c.startsWith(`astapa_session_${strict.id}=`)), false);
  const [challenge] = await t.db.sql`select amr from astapa.mfa_challenges where project_id = ${strict.id}`;
  assert.deepEqual(challenge.amr, ["fed"]);
});
