/**
 * The dashboard's side of sign-ins the app did not start (docs/hosted-login.md): Settings → "Sign-ins from mailed
 * links" sets settings.initiate_login_uri (https only; empty removes it), and the user page's "Send password
 * reset" mails the reset link (admins only, CSRF; off and pointing to Settings without the URI; a refusal shown on
 * the page), audited user.password_reset_sent as the developer.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@reset.example");
await inviteDeveloper(t, "viewer@reset.example");
const viewer = await signInDeveloper(t, "viewer@reset.example");
const project = await seedProject(t.db.sql, { name: "Kedai" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;
const START = "https://kedai.example/start";

const settingOf = async () =>
  (await t.db
    .sql`select settings ->> 'initiate_login_uri' as uri from astapa.projects where id = ${project.id}`)[0]
    .uri;
const mailsTo = async (email: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.mail_outbox where to_address = ${email}`)[0].n;

Deno.test("dashboard — the initiate-login URI: saved, refused when not https, removed when empty; viewers and a missing CSRF change nothing", async () => {
  const path = `${base}/settings/initiate-login`;
  assert.equal((await postAs(t, viewer, path, { initiate_login_uri: START })).status, 403);
  assert.equal((await postAs(t, owner, path, { initiate_login_uri: START }, null)).status, 403);
  assert.equal(await settingOf(), null);
  const bad = await postAs(t, owner, path, { initiate_login_uri: "http://kedai.example/start" });
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /must be an absolute https URL/);
  assert.equal(await settingOf(), null);
  assert.equal((await postAs(t, owner, path, { initiate_login_uri: START })).status, 303);
  assert.equal(await settingOf(), START);
  assert.match(
    await (await getAs(t, owner, `${base}/settings`)).text(),
    /value="https:\/\/kedai\.example\/start"/,
  );
  assert.equal((await postAs(t, owner, path, { initiate_login_uri: "" })).status, 303);
  assert.equal(await settingOf(), null);
});

Deno.test("dashboard — Send password reset: off without the URI; mails the link as an admin; viewers and a missing CSRF send nothing", async () => {
  const sub = await seedPasswordUser(t.db.sql, project.id, "lina@kedai.example", "password of lina");
  const page = `${base}/users/${sub}`;
  const off = await (await getAs(t, owner, page)).text();
  assert.match(off, /<button type="submit" class="button" disabled>Send password reset<\/button>/);
  assert.match(off, /Set your app's initiate-login URI first/);
  const refused = await postAs(t, owner, `${page}/password-reset`, {});
  assert.equal(refused.status, 409, "the page again, with why");
  assert.match(await refused.text(), /no initiate_login_uri/);
  await t.db.sql`update astapa.projects set settings = settings || ${
    t.db.sql.json({ initiate_login_uri: START })
  }
    where id = ${project.id}`;
  assert.doesNotMatch(await (await getAs(t, owner, page)).text(), /disabled>Send password reset/);
  assert.equal((await postAs(t, viewer, `${page}/password-reset`, {})).status, 403);
  assert.equal((await postAs(t, owner, `${page}/password-reset`, {}, null)).status, 403);
  assert.equal(await mailsTo("lina@kedai.example"), 0);
  const sent = await postAs(t, owner, `${page}/password-reset`, {});
  assert.equal(sent.status, 303);
  assert.match(sent.headers.get("location")!, /done=password_reset_sent/);
  assert.equal(await mailsTo("lina@kedai.example"), 1);
  const [audit] = await t.db.sql`select actor, details from astapa.audit_log
    where project_id = ${project.id} and action = 'user.password_reset_sent'`;
  assert.deepEqual(audit.details, { by: "admin" });
  assert.equal(audit.actor, `account:${owner.accountId}`, "the developer who sent it");
  const done = await (await getAs(t, owner, sent.headers.get("location")!)).text();
  assert.match(done, /Reset link mailed to the user's address/);
});
