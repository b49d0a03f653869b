/**
 * The user page's "Sign in as this user" (docs/impersonation.md): admins and owners get a one-time link shown
 * once, the developer's email the actor in every token; viewers see no form and may not post it; a disabled user
 * gets none.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop", redirectUri: "https://shop.example/cb" });
await asApp(sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

Deno.test("dashboard — an owner signs in as a user: the link is shown once and opens as that user, actor the owner", async () => {
  const user = await seedUser(sql, project.id, "ayu@shop.example", { verified: true });
  const page = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.match(page, /Sign in as this user/);
  const res = await postAs(t, owner, `${base}/users/${user}/impersonation`, {
    minutes: "30",
    reason: "ticket 7",
  });
  const html = await res.text();
  assert.equal(res.status, 200, html.slice(0, 400));
  const url = /href="([^"]*\/auth\/impersonate\?[^"]+)"/.exec(html)?.[1].replace(/&amp;/g, "&");
  assert.ok(url, "the link is on the page");
  const [row] = await sql`select actor, reason from astapa.impersonations where user_id = ${user}`;
  assert.equal(row.actor, "owner@dev.example");
  assert.equal(row.reason, "ticket 7");
  const [audit] = await sql`select actor from astapa.audit_log where project_id = ${project.id}
    and action = 'user.impersonation_created'`;
  assert.equal(audit.actor, `account:${owner.accountId}`);

  const browser = new FormBrowser(t);
  const asked = await browser.get(new URL(url).pathname + new URL(url).search);
  const askHtml = await asked.text();
  assert.match(askHtml, /ayu@shop\.example/);
  const opened = await browser.post(askHtml, {});
  assert.equal(opened.status, 303);
  const shown = await (await browser.get(opened.headers.get("location")!)).text();
  assert.match(shown, /acting as owner@dev\.example/);
  const after = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.match(after, /signed in as the user by owner@dev\.example/, "the session list names the actor");
});

Deno.test("dashboard — a viewer sees no form and may not post it; a disabled user gets no form", async () => {
  const user = await seedUser(sql, project.id, "budi@shop.example", { verified: true });
  const page = await (await getAs(t, viewer, `${base}/users/${user}`)).text();
  assert.doesNotMatch(page, /Sign in as this user/);
  const refused = await postAs(t, viewer, `${base}/users/${user}/impersonation`, { minutes: "15" });
  assert.equal(refused.status, 403);
  await refused.body?.cancel();
  const [none] = await sql`select count(*)::int as n from astapa.impersonations where user_id = ${user}`;
  assert.equal(none.n, 0);

  await sql`update astapa.users set disabled = true where id = ${user}`;
  const disabled = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.doesNotMatch(disabled, /Sign in as this user/);
  const conflict = await postAs(t, owner, `${base}/users/${user}/impersonation`, { minutes: "15" });
  assert.equal(conflict.status, 422);
  assert.match(await conflict.text(), /disabled/);
});
