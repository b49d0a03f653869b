/** The dashboard's Organizations page: an organization's SCIM directory turned on (token shown once), replaced, revoked; its groups mapped to roles. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Kopi" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

const tokenIn = (html: string) => /<code>(ascim_[A-Za-z0-9_-]{43})<\/code>/.exec(html)?.[1];
const usersWith = async (baseUrl: string, token: string) =>
  (await t.app.request(`${new URL(baseUrl).pathname}/Users`, {
    headers: { authorization: `Bearer ${token}` },
  }))
    .status;

Deno.test("organizations page — SCIM: admins turn it on and see the token once, replace and revoke it; viewers read", async () => {
  await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Acme', 'acme', null)`);
  const fields = { organization: "acme", action: "enable" };
  assert.equal((await postAs(t, viewer, `${base}/organizations/scim`, fields)).status, 403);
  const on = await postAs(t, owner, `${base}/organizations/scim`, fields);
  assert.equal(on.status, 200);
  assert.match(on.headers.get("cache-control") ?? "", /no-store/);
  const html = await on.text();
  const token = tokenIn(html);
  assert.ok(token, "the token is on the answer");
  assert.match(html, /SCIM is on/);
  const baseUrl = /<code>(http[^<]+\/scim\/v2\/scim_[a-z2-7]{24})<\/code>/.exec(html)?.[1];
  assert.ok(baseUrl);
  assert.equal(await usersWith(baseUrl, token), 200);

  const read = await (await getAs(t, viewer, `${base}/organizations`)).text();
  assert.match(read, /data-scim="on"/);
  assert.ok(read.includes(baseUrl));
  assert.equal(tokenIn(read), undefined, "never shown again");
  assert.doesNotMatch(read, /Turn on SCIM|Revoke the token/, "viewers get no form");

  const replaced = await postAs(t, owner, `${base}/organizations/scim`, fields);
  const second = tokenIn(await replaced.text());
  assert.ok(second && second !== token);
  assert.equal(await usersWith(baseUrl, token), 401);
  const revoked = await postAs(t, owner, `${base}/organizations/scim`, {
    organization: "acme",
    action: "revoke",
  });
  assert.equal(revoked.headers.get("location"), `${base}/organizations?done=scim_revoked`);
  assert.equal(await usersWith(baseUrl, second), 401);
  assert.match(await (await getAs(t, owner, `${base}/organizations`)).text(), /data-scim="revoked"/);
  const missing = await postAs(t, owner, `${base}/organizations/scim`, {
    organization: "nope",
    action: "enable",
  });
  assert.equal(missing.status, 422);
});

Deno.test("organizations page — SCIM groups: admins map an IdP group to a role (never owner); viewers see the role", async () => {
  await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Globex', 'globex', null)`);
  const on = await postAs(t, owner, `${base}/organizations/scim`, {
    organization: "globex",
    action: "enable",
  });
  const html = await on.text();
  const token = tokenIn(html)!;
  const scimBase = /<code>http[^<]+(\/scim\/v2\/scim_[a-z2-7]{24})<\/code>/.exec(html.split("Globex")[1])
    ?.[1];
  assert.ok(scimBase, "Globex's base URL is on the page");
  const pushed = await (await t.app.request(`${scimBase}/Groups`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
    body: JSON.stringify({ displayName: "Engineering" }),
  })).json();

  const page = await (await getAs(t, owner, `${base}/organizations`)).text();
  assert.match(page, new RegExp(`data-scim-group="${pushed.id}"`));
  assert.match(page, /Engineering · 0 members/);
  assert.doesNotMatch(page.split(`data-scim-group="${pushed.id}"`)[1].split("</tr>")[0], /value="owner"/);

  const map = { organization: "globex", action: "map", group: pushed.id, role: "admin" };
  assert.equal((await postAs(t, viewer, `${base}/organizations/scim`, map)).status, 403);
  const saved = await postAs(t, owner, `${base}/organizations/scim`, map);
  assert.equal(saved.headers.get("location"), `${base}/organizations?done=scim_group_mapped`);
  const read = await (await getAs(t, viewer, `${base}/organizations`)).text();
  const row = read.split(`data-scim-group="${pushed.id}"`)[1].split("</tr>")[0];
  assert.match(row, /<td>admin<\/td>/);
  assert.doesNotMatch(row, /<select/, "viewers get no form");
  const refused = await postAs(t, owner, `${base}/organizations/scim`, { ...map, role: "owner" });
  assert.equal(refused.status, 422);
});
