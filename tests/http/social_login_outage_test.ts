/**
 * Google and GitHub in trouble for one request — a 5xx or 429, a success whose body is not JSON, an authorize
 * redirect saying temporarily_unavailable — at each endpoint a sign-in calls (the fakes' answerOnce; the
 * unmodified oauth4webapi talks to them). The person reads a 502 page that names the provider and offers the way
 * back to the sign-in page in their language; the log says which provider, endpoint and status at warn, without
 * the code or a token; nothing is written. A real refusal (invalid_grant, an ID token that fails verification)
 * is still the 400 page. The stalled and unreachable providers are social_login_deadline_test.ts and
 * social_login_unreachable_test.ts; GitHub's /user/emails, social_github_emails_test.ts.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair } from "jose";
import { seedProject, seedUser } from "../helpers/identity.ts";
import {
  FAILED_SAYS,
  followBack,
  OUTAGE_SAYS,
  projectRows,
  socialTestApp,
  startSignIn,
} from "../helpers/social.ts";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google.ts";
import { json } from "../fakes/serve.ts";

const { google, github, t } = await socialTestApp();

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });
// Both providers vouch for this verified account's address: a sign-in that got through would link to it.
const owner = await seedUser(t.db.sql, project.id, "sari@example.com", { verified: true });
google.approveAs = { sub: "g-4242", email: "sari@example.com", email_verified: true };
github.approveAs = {
  id: 4242,
  login: "sari",
  emails: [{ email: "sari@example.com", primary: true, verified: true }],
};

const LANGS = ["en", "id"] as const;
type Lang = typeof LANGS[number];
const htmlError = (status: number) =>
  new Response("<html><body>Server Error</body></html>", {
    status,
    headers: { "content-type": "text/html" },
  });

/** The last social_sign_in_stopped log line. */
const lastStop = () => t.logs.filter((line) => line.msg === "social_sign_in_stopped").at(-1)!;

/** The 502 page naming `name` in `lang`, with the way back in that language, no session, no rows written. */
async function assertOutagePage(res: Response, name: string, lang: Lang, before: Record<string, number>) {
  const page = await res.text();
  assert.equal(res.status, 502, `the provider's trouble, not the person's\n${page}`);
  assert.ok(
    page.includes(`<p class="alert" role="alert" id="form-error">${OUTAGE_SAYS[lang](name)}</p>`),
    page,
  );
  assert.match(page, new RegExp(`<a class="button" href="/auth/login\\?client_id=[^"]+&amp;lang=${lang}">`));
  assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith(`astapa_session_${project.id}=`)));
  assert.deepEqual(
    await projectRows(t.db.sql, project.id),
    before,
    "no user, identity, session or audit row",
  );
}

/** The log line of an outage: warn, the provider, the endpoint and the provider's status; no code or token. */
function assertOutageLogged(
  provider: string,
  endpoint: string,
  upstreamStatus: number | undefined,
  code: string,
) {
  const stop = lastStop();
  assert.equal(stop.level, "warn");
  assert.equal(stop.provider, provider);
  assert.equal(stop.endpoint, endpoint);
  assert.equal(stop.upstreamStatus, upstreamStatus);
  assert.equal(stop.reason, "socialProviderError");
  const line = JSON.stringify(stop);
  assert.ok(!line.includes(code), "never the code");
  assert.ok(!/ya29\.|gho_|secret/i.test(line), "never a token or secret");
}

/** Runs `work` with the deployment's Google at `fake` (a fresh issuer: no discovery or keys kept yet). */
async function withGoogleAt<T>(fake: FakeGoogle, work: () => Promise<T>): Promise<T> {
  const saved = t.deps.config.google.issuer;
  t.deps.config.google.issuer = fake.issuer;
  try {
    return await work();
  } finally {
    t.deps.config.google.issuer = saved;
  }
}

Deno.test("social outage — Google's token endpoint answers 500: a 502 page naming Google (en, id), nothing written", async () => {
  const before = await projectRows(t.db.sql, project.id);
  for (const lang of LANGS) {
    const started = await startSignIn(t, project, "google", lang);
    google.answerOnce.set("/token", htmlError(500));
    await assertOutagePage(await followBack(t, started), "Google", lang, before);
    assertOutageLogged("google", "token", 500, started.back.searchParams.get("code")!);
  }
});

Deno.test("social outage — Google's token endpoint answers 200 with a body that is not JSON: 502", async () => {
  const before = await projectRows(t.db.sql, project.id);
  const unreadable = [
    () => new Response("<html>Please wait</html>", { headers: { "content-type": "text/html" } }),
    () => new Response('{"access_token": "ya29.cut-o', { headers: { "content-type": "application/json" } }),
  ];
  for (const answer of unreadable) {
    const started = await startSignIn(t, project, "google", "en");
    google.answerOnce.set("/token", answer());
    await assertOutagePage(await followBack(t, started), "Google", "en", before);
    assertOutageLogged("google", "token", 200, started.back.searchParams.get("code")!);
  }
});

Deno.test("social outage — Google's keys (JWKS) answer 503: 502; the discovery document answers 503: the start route's 502", async () => {
  const fresh = await startFakeGoogle({ clientId: google.clientId, clientSecret: google.clientSecret });
  fresh.approveAs = google.approveAs;
  try {
    await withGoogleAt(fresh, async () => {
      const before = await projectRows(t.db.sql, project.id);
      for (const lang of LANGS) {
        fresh.answerOnce.set("/.well-known/openid-configuration", htmlError(503));
        const query = new URLSearchParams({
          client_id: project.clientId,
          redirect_uri: project.redirectUri,
          lang,
        });
        const start = await t.app.request(`/auth/social/google?${query}`, {
          headers: { accept: "text/html" },
        });
        await assertOutagePage(start, "Google", lang, before);
        assert.equal(lastStop().endpoint, "discovery");
        assert.equal(lastStop().upstreamStatus, 503);
      }
      for (const lang of LANGS) {
        const started = await startSignIn(t, project, "google", lang);
        fresh.answerOnce.set("/oauth2/v3/certs", htmlError(503));
        await assertOutagePage(await followBack(t, started), "Google", lang, before);
        assertOutageLogged("google", "jwks", 503, started.back.searchParams.get("code")!);
      }
    });
  } finally {
    await fresh.close();
  }
});

Deno.test("social outage — Google's authorize says temporarily_unavailable or server_error: 502, not a refusal", async () => {
  const before = await projectRows(t.db.sql, project.id);
  for (const [error, lang] of [["temporarily_unavailable", "en"], ["server_error", "id"]] as const) {
    google.deny = error;
    try {
      const started = await startSignIn(t, project, "google", lang);
      await assertOutagePage(await followBack(t, started), "Google", lang, before);
      assert.equal(lastStop().endpoint, "authorization");
      assert.equal(lastStop().upstreamStatus, undefined);
    } finally {
      google.deny = undefined;
    }
  }
});

Deno.test("social outage — GitHub's token endpoint 502, /user 503 or 429: a 502 page naming GitHub (en, id)", async () => {
  const before = await projectRows(t.db.sql, project.id);
  const troubles = [
    ["/login/oauth/access_token", "token", 502],
    ["/user", "user", 503],
    ["/user", "user", 429],
  ] as const;
  for (const [path, endpoint, status] of troubles) {
    for (const lang of LANGS) {
      const started = await startSignIn(t, project, "github", lang);
      github.answerOnce.set(path, json({ message: "Server Error" }, status));
      await assertOutagePage(await followBack(t, started), "GitHub", lang, before);
      assertOutageLogged("github", endpoint, status, started.back.searchParams.get("code")!);
    }
  }
});

Deno.test("social outage — a refusal is still the 400 page: invalid_grant, an ID token that fails verification", async () => {
  const before = await projectRows(t.db.sql, project.id);
  for (const lang of LANGS) {
    const started = await startSignIn(t, project, "google", lang);
    const badCode = new URL(started.back);
    badCode.searchParams.set("code", "4/expired-code");
    const res = await followBack(t, started, badCode);
    const page = await res.text();
    assert.equal(res.status, 400, `Google answered invalid_grant\n${page}`);
    assert.ok(page.includes(FAILED_SAYS[lang]), page);
    assert.equal(lastStop().reason, "socialFailed");
    assert.equal(lastStop().level, "info");
    assert.equal(lastStop().endpoint, "token");
  }
  // Keys under the fake's kid that did not sign the ID token (a fresh Google: no keys kept for it yet).
  const fresh = await startFakeGoogle({ clientId: google.clientId, clientSecret: google.clientSecret });
  fresh.approveAs = google.approveAs;
  const { publicKey } = await generateKeyPair("RS256");
  const forged = {
    keys: [{ ...(await exportJWK(publicKey)), kid: "fake-google-1", alg: "RS256", use: "sig" }],
  };
  try {
    await withGoogleAt(fresh, async () => {
      const started = await startSignIn(t, project, "google", "id");
      fresh.answerOnce.set("/oauth2/v3/certs", json(forged));
      const res = await followBack(t, started);
      const page = await res.text();
      assert.equal(res.status, 400, `the ID token's signature does not verify\n${page}`);
      assert.ok(page.includes(FAILED_SAYS.id), page);
      assert.equal(lastStop().endpoint, "jwks");
    });
  } finally {
    await fresh.close();
  }
  assert.deepEqual(await projectRows(t.db.sql, project.id), before);
});

Deno.test("social outage — once the providers answer again, the same sign-ins link to the owner's account", async () => {
  for (const provider of ["google", "github"]) {
    const res = await followBack(t, await startSignIn(t, project, provider, "en"));
    assert.equal(res.status, 303, await res.text());
    assert.ok(res.headers.get("location")!.startsWith(`${project.redirectUri}?code=`));
    const [linked] = await t.db.sql`select user_id::text from astapa.identities
      where project_id = ${project.id} and provider = ${provider} and subject in ('g-4242', '4242')`;
    assert.equal(linked.user_id, owner, "the outages before left nothing in the way");
  }
});
