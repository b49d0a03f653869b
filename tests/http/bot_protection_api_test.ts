/**
 * GET/PUT/DELETE /api/platform/bot-protection: off by default; PUT seals the secret (never answered, never in
 * the audit log, opened by the hosted login's check), a PUT without it keeps it, a new provider without its own
 * is refused; malformed bodies are RFC-shaped 400s that change nothing; DELETE turns it off and the widget goes.
 * (Who may call it: authorization_matrix_test.ts.)
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { botProtectionOf } from "@/lib/login/bot_check.ts";
import { open } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const SECRET = "0x4AAAAAAA-the-project-secret-key";

async function call(method: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request("/api/platform/bot-protection", {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, text: await res.text() };
}
const settingsOf = async (p: SeededProject) =>
  (await t.db.sql`select settings from astapa.projects where id = ${p.id}`)[0].settings;

Deno.test("GET/PUT/DELETE /api/platform/bot-protection — sealed write-only secret, kept when omitted, audited without it", async () => {
  const project = await seedProject(t.db.sql, { name: "Robotless" });
  const off = { provider: null, site_key: null, secret_key_set: false, on: [] };
  const read = await call("GET", project);
  assert.equal(read.res.status, 200);
  assert.equal(read.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(JSON.parse(read.text), off);

  const set = await call("PUT", project, {
    provider: "turnstile",
    site_key: "0x4AAAAAAAapi",
    secret_key: SECRET,
    on: ["sign_up", "sign_in"],
  });
  assert.equal(set.res.status, 200, set.text);
  const on = {
    provider: "turnstile",
    site_key: "0x4AAAAAAAapi",
    secret_key_set: true,
    on: ["sign_up", "sign_in"],
  };
  assert.deepEqual(JSON.parse(set.text), on);
  const stored = botProtectionOf({ settings: await settingsOf(project) })!;
  assert.ok(!JSON.stringify(await settingsOf(project)).includes(SECRET), "stored sealed, not in the clear");
  const opened = await open(
    t.deps.masterKeys.social,
    base64url.decode(stored.secret_key_sealed),
    `astapa bot_protection ${project.id} turnstile secret_key`,
  );
  assert.equal(new TextDecoder().decode(opened), SECRET);

  const moved = await call("PUT", project, {
    provider: "turnstile",
    site_key: "0x4AAAAAAAapi",
    on: ["forgot"],
  });
  assert.deepEqual(JSON.parse(moved.text), { ...on, on: ["forgot"] });
  assert.equal(
    botProtectionOf({ settings: await settingsOf(project) })!.secret_key_sealed,
    stored.secret_key_sealed,
  );
  const got = await call("GET", project);
  assert.deepEqual(JSON.parse(got.text), { ...on, on: ["forgot"] });
  for (const answer of [set.text, moved.text, got.text]) {
    assert.ok(
      !answer.includes(SECRET) && !answer.includes(stored.secret_key_sealed),
      "the secret is write-only",
    );
  }
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  assert.match(await (await t.app.request(`/auth/forgot?${query}`)).text(), /class="cf-turnstile"/);

  const cleared = await call("DELETE", project);
  assert.equal(cleared.res.status, 204);
  assert.equal((await settingsOf(project)).bot_protection, undefined);
  assert.deepEqual(JSON.parse((await call("GET", project)).text), off);
  assert.doesNotMatch(await (await t.app.request(`/auth/forgot?${query}`)).text(), /cf-turnstile/);

  const audit = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'project.settings' order by id`;
  assert.deepEqual(audit.map((row) => row.details.bot_protection), [
    { provider: "turnstile", site_key: "0x4AAAAAAAapi", on: ["sign_up", "sign_in"], secret_key: "changed" },
    { provider: "turnstile", site_key: "0x4AAAAAAAapi", on: ["forgot"] },
    null,
  ]);
  assert.ok(!JSON.stringify(audit).includes(stored.secret_key_sealed));
});

Deno.test("PUT /api/platform/bot-protection — malformed input is an RFC-shaped 400 and changes nothing", async () => {
  const project = await seedProject(t.db.sql);
  const bodies: [unknown, RegExp][] = [
    ["not json", /./],
    [{ provider: "recaptcha", site_key: "k", secret_key: "s", on: ["sign_up"] }, /provider/],
    [{ provider: "turnstile", site_key: "k", secret_key: "s", on: [] }, /on/],
    [{ provider: "turnstile", site_key: "k", secret_key: "s", on: ["checkout"] }, /on/],
    [{ provider: "turnstile", site_key: "k", secret_key: "s", on: ["sign_up"], extra: 1 }, /extra/],
    [{ provider: "turnstile", site_key: "<b>", secret_key: "s", on: ["sign_up"] }, /site_key must be/],
    [
      { provider: "turnstile", site_key: "k", on: ["sign_up"] },
      /needs provider, site_key, secret_key and on/,
    ],
    [{ provider: "turnstile", site_key: "k", secret_key: "has space", on: ["sign_up"] }, /no spaces/],
    [{ provider: "turnstile", site_key: "k", secret_key: "s", on: ["sign_up", "sign_up"] }, /each once/],
  ];
  for (const [body, reason] of bodies) {
    const { res, text } = await call("PUT", project, body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${text}`);
    const problem = JSON.parse(text);
    assert.equal(typeof problem.error, "string");
    assert.match(text, reason);
  }
  assert.equal((await settingsOf(project)).bot_protection, undefined);
});
