/** /billing without a session, with bad input, and forms without CSRF; /billing/callback's state check. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Billing app" });

Deno.test("billing page — a stranger goes through the hosted login and comes back", async () => {
  const res = await t.app.request(`/billing?client_id=${project.clientId}`);
  assert.equal(res.status, 303);
  const login = new URL(res.headers.get("location")!, t.origin);
  assert.equal(login.pathname, "/auth/login");
  assert.equal(login.searchParams.get("redirect_uri"), `${t.origin}/billing/callback`);
  assert.equal(login.searchParams.get("state"), project.clientId);
  // The hosted login accepts Astapa's own billing callback for this project.
  const page = await t.app.request(`${login.pathname}${login.search}`);
  assert.equal(page.status, 200);
  const back = await t.app.request(`/billing/callback?code=x&state=${project.clientId}`);
  assert.equal(back.status, 303);
  assert.equal(back.headers.get("location"), `/billing?client_id=${project.clientId}`);
});

Deno.test("billing page — bad or unknown client ids, forged forms, odd callback states", async () => {
  assert.equal((await t.app.request("/billing")).status, 400);
  assert.equal((await t.app.request("/billing?client_id=nope")).status, 400);
  assert.equal((await t.app.request(`/billing?client_id=cid_${"a".repeat(24)}`)).status, 404);
  const forged = await t.app.request("/billing", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `client_id=${project.clientId}&plan=pro`,
  });
  assert.equal(forged.status, 403);
  assert.equal((await t.app.request("/billing/callback?state=https://evil.example")).status, 400);
});
