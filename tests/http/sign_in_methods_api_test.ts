/**
 * The Platform API's ways to sign in (issue 20, per-project switches): a project's client reads and changes
 * passwords, passkeys, email codes and sign-up by code through the dashboard's setter (audited); passwords off
 * with no other way in is 400 with the reason and changes nothing; the hosted sign-in page follows.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

async function call(method: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request("/api/platform/sign-in-methods", {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

Deno.test("GET/PATCH /api/platform/sign-in-methods — defaults, a change the hosted login follows, refusals that change nothing", async () => {
  const project = await seedProject(t.db.sql, { name: "Tanpa Sandi" });
  const neighbour = await seedProject(t.db.sql, { name: "Tetangga" });
  const checks = { breached_passwords: true, breached_password_sign_in: true };
  const defaults = {
    passwords: true,
    passkeys: false,
    passkey_upgrade: false,
    email_codes: false,
    email_code_sign_up: false,
    ...checks,
  };
  const read = await call("GET", project);
  assert.equal(read.res.status, 200);
  assert.equal(read.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(read.body, defaults);

  const alone = await call("PATCH", project, { passwords: false });
  assert.equal(alone.res.status, 400, JSON.stringify(alone.body));
  assert.match(
    alone.body.error_description ?? alone.body.message ?? JSON.stringify(alone.body),
    /email codes or passkeys/,
  );
  const changed = await call("PATCH", project, {
    passwords: false,
    passkeys: true,
    passkey_upgrade: true,
    email_codes: true,
  });
  assert.equal(changed.res.status, 200, JSON.stringify(changed.body));
  const off = {
    passwords: false,
    passkeys: true,
    passkey_upgrade: true,
    email_codes: true,
    email_code_sign_up: false,
    ...checks,
  };
  assert.deepEqual(changed.body, off);
  const [row] = await t.db.sql`select settings from astapa.projects where id = ${project.id}`;
  assert.deepEqual(
    { passwords: row.settings.passwords, passkeys: row.settings.passkeys, codes: row.settings.email_codes },
    { passwords: false, passkeys: true, codes: true },
  );
  const login = await t.app.request(
    `/auth/login?${new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri })}`,
  );
  const html = await login.text();
  assert.doesNotMatch(html, /type="password"/, "the hosted sign-in page asks for an email only");
  assert.match(html, /autocomplete="username webauthn"/);

  for (
    const body of [
      { passkeys: false, email_codes: false },
      { passkeys: "yes" },
      { passkey_upgrade: 1 },
      {
        sms: true,
      },
      {},
      [],
    ]
  ) {
    const refused = await call("PATCH", project, body);
    assert.equal(refused.res.status, 400, JSON.stringify(body));
  }
  assert.deepEqual((await call("GET", project)).body, off);
  assert.deepEqual((await call("GET", neighbour)).body, defaults, "another project's client sees its own");

  // Back at a default, a switch is removed again (as the dashboard does).
  const back = await call("PATCH", project, {
    passwords: true,
    passkeys: false,
    passkey_upgrade: false,
    email_codes: false,
  });
  assert.deepEqual(back.body, defaults);
  const [cleared] = await t.db.sql`select settings from astapa.projects where id = ${project.id}`;
  assert.deepEqual(
    ["passwords", "passkeys", "passkey_upgrade", "email_codes"].filter((k) => k in cleared.settings),
    [],
  );
  const audited = await t.db.sql`select details from astapa.audit_log
    where project_id = ${project.id} and action = 'project.settings' order by id`;
  assert.deepEqual(audited.map((a) => a.details), [
    { passwords: false, passkeys: true, passkey_upgrade: true, email_codes: true },
    { passwords: null, passkeys: null, passkey_upgrade: null, email_codes: null },
  ]);

  const anonymous = await t.app.request("/api/platform/sign-in-methods");
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});
