/**
 * The Settings page's sign-ups (settings.sign_up): the mode and domain lists saved by an admin (defaults not
 * stored, domains in lower case), a malformed domain refused with Postgres's reason on the page (422) and
 * nothing changed, a viewer refused (403), and the hosted login following the saved mode.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;
const action = `${base}/settings/sign-up`;

const signUp = async () =>
  (await t.db.sql`select settings -> 'sign_up' as s from astapa.projects where id = ${project.id}`)[0].s;

Deno.test("settings — sign-ups: saved by an admin, refused with the reason, viewers read only, the hosted login follows", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /<h2 id="sign-up-heading">Sign-ups<\/h2>/);
  assert.match(page, /name="mode" value="open" checked/);

  assert.equal((await postAs(t, viewer, action, { mode: "closed" })).status, 403);
  assert.equal(await signUp(), null);

  const refused = await postAs(t, owner, action, {
    mode: "closed",
    blocked_domains: "ok.example\nnot_a domain",
  });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /not_a is not a domain/);
  assert.equal(await signUp(), null);

  const saved = await postAs(t, owner, action, {
    mode: "invitation",
    allowed_domains: "Kantor.example\n*.cabang.example",
    blocked_domains: "",
  });
  assert.equal(saved.status, 303);
  assert.deepEqual(await signUp(), {
    mode: "invitation",
    allowed_domains: ["kantor.example", "*.cabang.example"],
  });
  const shown = await (await getAs(t, owner, `${base}/settings?done=sign_up_saved`)).text();
  assert.match(shown, /Sign-ups saved/);
  assert.match(shown, /name="mode" value="invitation" checked/);
  assert.match(shown, /kantor\.example\n\*\.cabang\.example<\/textarea>/);
  const viewed = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewed, /name="mode" value="invitation" checked disabled/);

  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const signup = await t.app.request(`/auth/signup?${query}`);
  assert.equal(signup.status, 403);
  assert.match(await signup.text(), /Sign-ups for Shop are by invitation only\./);

  assert.equal((await postAs(t, owner, action, { mode: "open" })).status, 303);
  assert.deepEqual(await signUp(), {});
  const malformed = await postAs(t, owner, action, { mode: "members" });
  assert.equal(malformed.status, 422);
  assert.match(await malformed.text(), /role="alert">Some fields are missing or invalid\. mode: /);
});
