/**
 * Google and GitHub that cannot be reached at all: while a test says so, the deployment's provider address is a
 * closed loopback port (or the fake stops listening between the authorize redirect and the callback), so the
 * unmodified oauth4webapi's connections are refused. The person reads the sign-in error page in their language
 * with 502 Bad Gateway — "Google is not answering right now", not the 400 "could not confirm who you are" that
 * blames them —
 * the log names the provider and why without the code, and the sign-in counter has its own reason. A provider's
 * own error answer (invalid_grant, bad_verification_code) is still the 400 page (social_login_deadline_test.ts
 * is the stalled provider's twin of this file).
 */
import assert from "node:assert/strict";
import { seedProject } from "../helpers/identity.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { closedPort } from "../helpers/ports.ts";
import { FAILED_SAYS, followBack, OUTAGE_SAYS, socialTestApp, startSignIn } from "../helpers/social.ts";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const { google, t } = await socialTestApp({
  ASTAPA_METRICS_TOKEN: METRICS_TOKEN,
});

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });
const html = { accept: "text/html" };
const NAMES: Record<string, string> = { google: "Google", github: "GitHub" };
const LANGS = ["en", "id"] as const;

/** A loopback address nothing listens on: connecting to it is refused at once. */
const CLOSED = `http://127.0.0.1:${closedPort()}`;

/** Runs `work` with the deployment's configuration changed by `change`, then puts it back. */
async function withConfig<T>(change: () => void, work: () => Promise<T>): Promise<T> {
  const saved = structuredClone({ google: t.deps.config.google, github: t.deps.config.github });
  change();
  try {
    return await work();
  } finally {
    Object.assign(t.deps.config, saved);
  }
}

async function assertUnreachablePage(res: Response, lang: "en" | "id", provider: "google" | "github") {
  const page = await res.text();
  assert.equal(
    res.status,
    502,
    `the provider could not be reached: a bad gateway, not the person's fault\n${page}`,
  );
  assert.match(page, /role="alert"/);
  assert.ok(page.includes(OUTAGE_SAYS[lang](NAMES[provider])), page);
  assert.ok(!page.includes(FAILED_SAYS[lang]), page);
}

/** The last social_sign_in_stopped log line. */
const lastStop = () => t.logs.filter((line) => line.msg === "social_sign_in_stopped").at(-1)!;

/** astapa_sign_ins_total for one provider's failures with `reason`. */
async function failures(method: string, reason: string): Promise<number> {
  const res = await t.app.request("/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const line = (await res.text()).split("\n").find((l) =>
    l.startsWith("astapa_sign_ins_total{") && l.includes(`method="${method}"`) &&
    l.includes(`outcome="failure"`) && l.includes(`reason="${reason}"`)
  );
  return line ? Number(line.split(" ").at(-1)) : 0;
}

Deno.test("social unreachable — Google's token endpoint refuses the connection: a 502 page, en and id", async () => {
  // A Google of its own that stops listening once the person is back: discovery was done (and kept) at the
  // start, so the callback's token request goes to a port nothing listens on any more.
  const gone = await startFakeGoogle({ clientId: google.clientId, clientSecret: google.clientSecret });
  const before = await failures("google", "socialUnreachable");
  await withConfig(() => t.deps.config.google.issuer = gone.issuer, async () => {
    const flows = [];
    for (const lang of LANGS) flows.push({ lang, started: await startSignIn(t, project, "google", lang) });
    await gone.close();
    for (const { lang, started } of flows) {
      await assertUnreachablePage(await followBack(t, started), lang, "google");
      const stop = lastStop();
      assert.equal(stop.level, "warn");
      assert.equal(stop.provider, "google");
      assert.equal(stop.reason, "socialUnreachable");
      assert.equal(stop.cause, "TypeError");
      // Refused, or reset if the client's pool still held the discovery's connection when the fake went away.
      assert.match(String(stop.network), /^connection_(refused|reset)$/);
      const code = started.back.searchParams.get("code")!;
      assert.ok(!JSON.stringify(stop).includes(code), "the log line never carries the code");
    }
  });
  assert.equal(await failures("google", "socialUnreachable") - before, 2);
});

Deno.test("social unreachable — Google's discovery at a closed port: the start route says so with 502", async () => {
  await withConfig(() => t.deps.config.google.issuer = CLOSED, async () => {
    for (const lang of LANGS) {
      const query = new URLSearchParams({
        client_id: project.clientId,
        redirect_uri: project.redirectUri,
        lang,
      });
      const res = await t.app.request(`/auth/social/google?${query}`, { headers: html });
      await assertUnreachablePage(res, lang, "google");
      assert.equal(lastStop().endpoint, "discovery");
    }
  });
});

Deno.test("social unreachable — GitHub's token endpoint at a closed port: a 502 page, en and id", async () => {
  const before = await failures("github", "socialUnreachable");
  for (const lang of LANGS) {
    const started = await startSignIn(t, project, "github", lang);
    const res = await withConfig(() => t.deps.config.github.baseUrl = CLOSED, () => followBack(t, started));
    await assertUnreachablePage(res, lang, "github");
    assert.equal(lastStop().provider, "github");
    assert.equal(lastStop().endpoint, "token");
    assert.equal(lastStop().network, "connection_refused");
  }
  assert.equal(await failures("github", "socialUnreachable") - before, 2);
});

Deno.test("social unreachable — GitHub's API (/user) at a closed port: a 502 page, en and id", async () => {
  for (const lang of LANGS) {
    const started = await startSignIn(t, project, "github", lang);
    const res = await withConfig(() => t.deps.config.github.apiUrl = CLOSED, () => followBack(t, started));
    await assertUnreachablePage(res, lang, "github");
    const stop = lastStop();
    assert.equal(stop.endpoint, "user");
    assert.equal(stop.reason, "socialUnreachable");
    assert.ok(!JSON.stringify(stop).includes("gho_"), "the log line never carries the access token");
  }
});

Deno.test("social unreachable — a provider's own error answer is still the 400 page, not 'unreachable'", async () => {
  for (const provider of ["google", "github"]) {
    for (const lang of LANGS) {
      const started = await startSignIn(t, project, provider, lang);
      const badCode = new URL(started.back);
      badCode.searchParams.set("code", "expired-code");
      const res = await followBack(t, started, badCode);
      const page = await res.text();
      assert.equal(res.status, 400, `${provider} answered invalid_grant / bad_verification_code\n${page}`);
      assert.ok(page.includes(FAILED_SAYS[lang]), page);
      assert.ok(!page.includes(OUTAGE_SAYS[lang](NAMES[provider])), page);
      assert.equal(lastStop().reason, "socialFailed");
      assert.equal(lastStop().level, "info");
    }
  }
});
