import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { createPlan } from "@/db/plans.ts";
import { tokenClaims } from "@/db/users.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, async (tx) => {
  await addMember(tx, project.id, owner.accountId, "owner");
  await createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99000 });
});
const ayu = await seedUser(t.db.sql, project.id, "ayu@example.com", { verified: true });
await seedUser(t.db.sql, project.id, "budi@example.com");
const base = `/dashboard/projects/${project.id}`;

Deno.test("users — the list shows the project's users; search finds one by email in any case", async () => {
  const res = await getAs(t, owner, `${base}/users`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>Users<\/h1>/);
  assert.match(html, /ayu@example\.com/);
  assert.match(html, /budi@example\.com/);
  const found = await (await getAs(t, owner, `${base}/users?email=AYU@example.com`)).text();
  assert.match(found, /ayu@example\.com/);
  assert.ok(!found.includes("budi@example.com"));
  const none = await (await getAs(t, owner, `${base}/users?email=nobody@example.com`)).text();
  assert.match(none, /No sandbox user has the email nobody@example\.com/);
});

Deno.test("users — a user's page shows the plan and claims; assigning a plan changes the token claims", async () => {
  const res = await getAs(t, owner, `${base}/users/${ayu}`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>ayu@example\.com<\/h1>/);
  assert.match(html, /<h2 id="claims-heading">Token claims<\/h2>/);
  // What the user sees: their own account page, for the project's client.
  assert.match(html, new RegExp(`href="/account\\?client_id=${project.clientId}"`));
  const assigned = await postAs(t, owner, `${base}/users/${ayu}/plan`, { plan: "pro" });
  assert.equal(assigned.status, 303);
  assert.match(await (await getAs(t, owner, assigned.headers.get("location")!)).text(), /Plan assigned/);
  const claims = await asApp(t.db.sql, project.id, (tx) => tokenClaims(tx, project.id, ayu));
  assert.equal(claims.plan, "pro");
  const [audit] = await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select actor from astapa.audit_log where action like 'subscription.%' or action like 'plan.%'
       order by id desc limit 1`,
  );
  assert.equal(audit?.actor, `account:${owner.accountId}`);
  const unknown = await postAs(t, owner, `${base}/users/${ayu}/plan`, { plan: "gold" });
  assert.equal(unknown.status, 422);
  assert.match(await unknown.text(), /There is no plan gold in this project/);
  // A team plan is an organization's: refused in English and Indonesian, the user's plan unchanged.
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_plan(${project.id}, '{"key": "crew", "name": "Crew", "price_idr": 90000}')`;
    await tx`select api.set_plan_seats(${project.id}, 'crew', 'per_seat')`;
  });
  const team = await postAs(t, owner, `${base}/users/${ayu}/plan`, { plan: "crew" });
  assert.equal(team.status, 422);
  const teamText = await team.text();
  assert.match(teamText, /crew is a team plan: an organization buys it/);
  assert.match(teamText, /crew adalah paket tim: dibeli oleh organisasi/);
  assert.equal((await asApp(t.db.sql, project.id, (tx) => tokenClaims(tx, project.id, ayu))).plan, "pro");
});

Deno.test("users — disabling a user shows it and withholds claims; enabling brings them back", async () => {
  const budi = await seedUser(t.db.sql, project.id, "citra@example.com");
  const off = await postAs(t, owner, `${base}/users/${budi}/disabled`, { disabled: "true" });
  assert.equal(off.status, 303);
  const html = await (await getAs(t, owner, off.headers.get("location")!)).text();
  assert.match(html, /User disabled/);
  assert.match(html, /Disabled users get no tokens/);
  const on = await postAs(t, owner, `${base}/users/${budi}/disabled`, { disabled: "false" });
  assert.equal(on.status, 303);
});

Deno.test("users — unknown users are 404; viewers read but cannot assign plans or disable", async () => {
  assert.equal((await getAs(t, owner, `${base}/users/999999`)).status, 404);
  assert.equal((await getAs(t, owner, `${base}/users/abc`)).status, 404);
  await inviteDeveloper(t, "viewer@dev.example");
  const viewer = await signInDeveloper(t, "viewer@dev.example");
  await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
  const page = await getAs(t, viewer, `${base}/users/${ayu}`);
  assert.equal(page.status, 200);
  assert.ok(!(await page.text()).includes(`/users/${ayu}/plan`), "no plan form for viewers");
  assert.equal((await postAs(t, viewer, `${base}/users/${ayu}/plan`, { plan: "pro" })).status, 403);
  assert.equal((await postAs(t, viewer, `${base}/users/${ayu}/disabled`, { disabled: "true" })).status, 403);
  assert.equal((await postAs(t, viewer, `${base}/users/${ayu}/plan`, { plan: "pro" }, null)).status, 403);
});
