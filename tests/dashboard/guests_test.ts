/**
 * The dashboard and guests (docs/anonymous-users.md): the Settings page's section saved by an admin (empty fields
 * the defaults), a bad number refused with Postgres's reason (422) and nothing changed, a viewer refused (403);
 * the users list labels guests and filters them, and a guest's page says what a guest is.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Kedai" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;
const action = `${base}/settings/guests`;
const stored = async () =>
  (await t.db.sql`select settings -> 'anonymous_users' as s from astapa.projects where id = ${project.id}`)[0]
    .s;

Deno.test("settings — guests: saved by an admin, refused with the reason, viewers read only", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /<h2 id="guests-heading">Guests \(anonymous sign-ins\)<\/h2>/);
  assert.match(page, /name="sweep_after_days"[^>]*placeholder="30"/);

  assert.equal((await postAs(t, viewer, action, { enabled: "on" })).status, 403);
  assert.equal(await stored(), null);
  const refused = await postAs(t, owner, action, {
    enabled: "on",
    sweep_after_days: "400",
    hourly_limit: "",
  });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /sweep_after_days must be a whole number from 1 to 365/);
  assert.equal(await stored(), null);
  const notNumber = await postAs(t, owner, action, {
    enabled: "on",
    sweep_after_days: "lama",
    hourly_limit: "",
  });
  assert.equal(notNumber.status, 422);
  assert.equal(await stored(), null);

  const saved = await postAs(t, owner, action, { enabled: "on", sweep_after_days: "14", hourly_limit: "" });
  assert.equal(saved.status, 303);
  assert.deepEqual(await stored(), { enabled: true, sweep_after_days: 14 });
  const shown = await (await getAs(t, owner, `${base}/settings?done=guests_saved`)).text();
  assert.match(shown, /Guests saved/);
  assert.match(shown, /name="enabled" value="on" checked/);
  const off = await postAs(t, owner, action, { sweep_after_days: "", hourly_limit: "" });
  assert.equal(off.status, 303);
  assert.deepEqual(await stored(), {});
});

Deno.test("users — guests labelled, filtered (only, none), and explained on their page", async () => {
  await t.db.sql`update astapa.projects set settings = settings || '{"anonymous_users": {"enabled": true}}'
    where id = ${project.id}`;
  const guest = await asApp(
    t.db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.sign_in_anonymously(${project.clientId}, '192.0.2.9', ${new Uint8Array(
        32,
      )}) ->> 'sub' as sub`)[0]
        .sub as string,
  );
  await seedUser(t.db.sql, project.id, "pelanggan@example.com");
  const all = await (await getAs(t, viewer, `${base}/users`)).text();
  assert.match(all, new RegExp(`Guest ${guest}`));
  assert.match(all, /pelanggan@example\.com/);
  assert.match(all, /<td data-label="Status">guest<\/td>/);
  const only = await (await getAs(t, viewer, `${base}/users?guests=only`)).text();
  assert.match(only, new RegExp(`Guest ${guest}`));
  assert.doesNotMatch(only, /pelanggan@example\.com/);
  const none = await (await getAs(t, viewer, `${base}/users?guests=none`)).text();
  assert.doesNotMatch(none, new RegExp(`Guest ${guest}`));
  assert.match(none, /pelanggan@example\.com/);
  const view = await (await getAs(t, viewer, `${base}/users/${guest}`)).text();
  assert.match(view, new RegExp(`<h1>Guest ${guest}</h1>`));
  assert.match(view, /Signed in anonymously/);
});
