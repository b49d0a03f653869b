/**
 * GET/PATCH /api/platform/sign-up-settings: defaults, a change merged key by key (domains in lower case, a
 * default removed from settings; the throwaway-domain and +tag switches on and off, the throwaway switch's
 * exceptions), RFC-shaped 400s for malformed bodies and domains that change nothing (and consent asked without a
 * terms or privacy address), the hosted login following the change, and the change audited. (Who may call it:
 * authorization_matrix_test.ts.)
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

async function call(method: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request("/api/platform/sign-up-settings", {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

const RESTRICTIONS_OFF = {
  block_disposable_domains: false,
  disposable_allowed_domains: [],
  block_subaddresses: false,
  require_legal_consent: false,
};
const stored = async (p: SeededProject) =>
  (await t.db.sql`select settings -> 'sign_up' as s from astapa.projects where id = ${p.id}`)[0].s;

Deno.test("GET/PATCH /api/platform/sign-up-settings — defaults, merged changes, the hosted login follows, audited", async () => {
  const project = await seedProject(t.db.sql, { name: "Daftar" });
  const read = await call("GET", project);
  assert.equal(read.res.status, 200);
  assert.equal(read.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(read.body, {
    mode: "open",
    allowed_domains: [],
    blocked_domains: [],
    ...RESTRICTIONS_OFF,
  });

  const closed = await call("PATCH", project, { mode: "closed", blocked_domains: [" Spam.Example "] });
  assert.equal(closed.res.status, 200, JSON.stringify(closed.body));
  assert.deepEqual(closed.body, {
    mode: "closed",
    allowed_domains: [],
    blocked_domains: ["spam.example"],
    ...RESTRICTIONS_OFF,
  });
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const signup = await t.app.request(`/auth/signup?${query}`);
  assert.equal(signup.status, 403);
  assert.match(await signup.text(), /Sign-ups for Daftar are closed\./);

  const opened = await call("PATCH", project, { mode: "open" });
  assert.deepEqual(opened.body, {
    mode: "open",
    allowed_domains: [],
    blocked_domains: ["spam.example"],
    ...RESTRICTIONS_OFF,
  });
  assert.deepEqual(
    await stored(project),
    { blocked_domains: ["spam.example"] },
    "the default mode is not stored",
  );
  const switched = await call("PATCH", project, { block_disposable_domains: true, block_subaddresses: true });
  assert.equal(switched.res.status, 200, JSON.stringify(switched.body));
  assert.deepEqual(switched.body, {
    mode: "open",
    allowed_domains: [],
    blocked_domains: ["spam.example"],
    block_disposable_domains: true,
    disposable_allowed_domains: [],
    block_subaddresses: true,
    require_legal_consent: false,
  });
  assert.deepEqual(await stored(project), {
    blocked_domains: ["spam.example"],
    block_disposable_domains: true,
    block_subaddresses: true,
  });
  const excepted = await call("PATCH", project, {
    disposable_allowed_domains: [" Duck.com", "*.MozMail.com"],
  });
  assert.equal(excepted.res.status, 200, JSON.stringify(excepted.body));
  assert.deepEqual(excepted.body.disposable_allowed_domains, ["duck.com", "*.mozmail.com"]);
  assert.deepEqual((await stored(project)).disposable_allowed_domains, ["duck.com", "*.mozmail.com"]);
  assert.equal((await call("PATCH", project, { disposable_allowed_domains: [] })).res.status, 200);
  const off = await call("PATCH", project, { block_disposable_domains: false, block_subaddresses: false });
  assert.deepEqual(off.body, {
    mode: "open",
    allowed_domains: [],
    blocked_domains: ["spam.example"],
    ...RESTRICTIONS_OFF,
  });
  const cleared = await call("PATCH", project, { blocked_domains: [] });
  assert.deepEqual(cleared.body, {
    mode: "open",
    allowed_domains: [],
    blocked_domains: [],
    ...RESTRICTIONS_OFF,
  });
  assert.deepEqual(await stored(project), {});

  const [audit] = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'project.settings' order by id limit 1`;
  assert.deepEqual(audit.details.sign_up, { mode: "closed", blocked_domains: ["spam.example"] });
});

Deno.test("PATCH /api/platform/sign-up-settings — malformed input is an RFC-shaped 400 and changes nothing", async () => {
  const project = await seedProject(t.db.sql, { name: "Salah" });
  await call("PATCH", project, { mode: "invitation" });
  const cases: [unknown, string, RegExp][] = [
    [{}, "(body)", /at least one of mode/],
    [{ mode: "members" }, "mode", /./],
    [{ mode: "open", extra: true }, "(body)", /./],
    [{ allowed_domains: "example.com" }, "allowed_domains", /./],
    [{ blocked_domains: Array.from({ length: 101 }, (_, n) => `d${n}.example`) }, "blocked_domains", /./],
    [{ block_disposable_domains: "yes" }, "block_disposable_domains", /./],
    [{ block_subaddresses: 1 }, "block_subaddresses", /./],
    [{ disposable_allowed_domains: "duck.com" }, "disposable_allowed_domains", /./],
    [{ disposable_allowed_domains: [1] }, "disposable_allowed_domains.0", /expected string/],
    [{ require_legal_consent: "yes" }, "require_legal_consent", /./],
    ["{not json", "", /./],
  ];
  for (const [body, field, reason] of cases) {
    const { res, body: problem } = await call("PATCH", project, body);
    assert.equal(res.status, 400, JSON.stringify(problem));
    assert.match(res.headers.get("content-type") ?? "", /json/);
    assert.ok(
      problem.error === "validation_failed" || problem.error === "invalid_json",
      JSON.stringify(problem),
    );
    if (field) assert.match((problem.fields?.[field] ?? []).join(" "), reason, JSON.stringify(problem));
  }
  // The domain's own form is checked in SQL: the reason names it.
  const sqlCases: [unknown, RegExp][] = [
    [{ allowed_domains: ["bücher.example"] }, /bücher\.example: write an internationalised domain/],
    [{ blocked_domains: ["not a domain"] }, /not a domain is not a domain/],
    [{ blocked_domains: ["a.example", "A.example"] }, /lists a domain twice/],
    [
      { disposable_allowed_domains: ["duck_com"] },
      /sign_up\.disposable_allowed_domains: duck_com is not a domain/,
    ],
    [
      { disposable_allowed_domains: ["dück.com"] },
      /disposable_allowed_domains: dück\.com: write an internationalised/,
    ],
    // Consent needs something to agree to: branding's terms or privacy address (none set here).
    [{ require_legal_consent: true }, /needs a terms of service or privacy policy address/],
  ];
  for (const [body, reason] of sqlCases) {
    const { res, body: problem } = await call("PATCH", project, body);
    assert.equal(res.status, 400, JSON.stringify(problem));
    assert.equal(problem.error, "validation_failed");
    assert.match(problem.error_description, reason);
  }
  assert.deepEqual(await stored(project), { mode: "invitation" });
});

Deno.test("PATCH /api/platform/sign-up-settings — require_legal_consent beside a terms address: on, the sign-up form asks", async () => {
  const project = await seedProject(t.db.sql, {
    name: "Setuju",
    settings: { branding: { terms_url: "https://setuju.example/terms" } },
  });
  const on = await call("PATCH", project, { require_legal_consent: true });
  assert.equal(on.res.status, 200, JSON.stringify(on.body));
  assert.equal(on.body.require_legal_consent, true);
  assert.deepEqual(await stored(project), { require_legal_consent: true });
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  assert.match(await (await t.app.request(`/auth/signup?${query}`)).text(), /name="legal_consent"/);
  const off = await call("PATCH", project, { require_legal_consent: false });
  assert.equal(off.body.require_legal_consent, false);
  assert.deepEqual(await stored(project), {});
});
