/**
 * POST /auth/passkey/options is limited per address (issue 20 #1): 30 a minute from one address, shared in
 * Postgres; the next gets 429 with Retry-After and opens no challenge.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { OPTIONS_PER_MINUTE } from "@/lib/login/passkeys/ceremony.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const redirectUri = "https://kunci.example/cb";
const project = await seedProject(t.db.sql, { name: "Kunci", redirectUri, settings: { passkeys: true } });
const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: redirectUri, state: "s" });

Deno.test("passkey options — the 31st request in a minute from one address is 429 and opens nothing", async () => {
  const page = await t.app.request(`/auth/login?${request}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  const ask = () =>
    t.app.request("/auth/passkey/options", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body: new URLSearchParams({ request: request.toString(), csrf, purpose: "sign_in" }),
    });
  for (let i = 0; i < OPTIONS_PER_MINUTE; i++) {
    const res = await ask();
    assert.equal(res.status, 200, `request ${i + 1}`);
    assert.ok((await res.json()).challenge);
  }
  const limited = await ask();
  assert.equal(limited.status, 429);
  const wait = Number(limited.headers.get("retry-after"));
  assert.ok(wait > 0 && wait <= 60, `Retry-After ${wait}`);
  assert.equal((await limited.json()).error, "rate_limited");
  const [open] = await t.db.sql`select count(*)::int as n from astapa.webauthn_challenges
    where project_id = ${project.id}`;
  assert.equal(open.n, OPTIONS_PER_MINUTE, "the refused request stored no challenge");
});
