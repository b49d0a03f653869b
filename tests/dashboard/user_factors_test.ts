/**
 * The user page's second factor (issue 19 #6): what is set up and how many recovery codes are left; an admin's
 * reset removes both, is audited as the developer, tells the app's webhook and mails the user; viewers read only;
 * the settings page's policy form saves off/optional/required.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

/** A user with an authenticator app and ten recovery codes, set up through the SQL API as the sign-in does. */
async function enrol(email: string): Promise<string> {
  const user = await seedUser(t.db.sql, project.id, email);
  const hex = await Promise.all(
    Array.from(
      { length: 10 },
      async (_, i) =>
        Array.from(await sha256(`${email}-${i}`), (b) => b.toString(16).padStart(2, "0")).join(""),
    ),
  );
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.start_mfa_challenge(${user}, ${await sha256(email)}, '{pwd}', true)`;
    await tx`select api.meet_mfa_challenge(${await sha256(email)}, 'enrol', 100, null, '\\x01'::bytea,
      (select array_agg(decode(h, 'hex')) from unnest(${hex}::text[]) h), null)`;
  });
  return user;
}

Deno.test("user page — shows the second factor; an admin's reset removes it, audited, webhook event, mailed", async () => {
  const user = await enrol("dewi@example.com");
  const page = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.match(page, /<h2 id="factors-heading">Second factor<\/h2>/);
  assert.match(page, /10 of 10/);
  assert.match(page, /Reset second factor/);
  const asViewer = await (await getAs(t, viewer, `${base}/users/${user}`)).text();
  assert.doesNotMatch(asViewer, /Reset second factor/);
  assert.equal((await postAs(t, viewer, `${base}/users/${user}/factors`, {})).status, 403);
  const res = await postAs(t, owner, `${base}/users/${user}/factors`, {});
  assert.equal(res.status, 303);
  assert.match(await (await getAs(t, owner, res.headers.get("location")!)).text(), /Second factor reset/);
  const [row] = await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select (select actor from astapa.audit_log where action = 'user.mfa_removed') as actor,
              (select count(*)::int from astapa.events where type = 'user.mfa_removed') as events,
              (select subject from astapa.mail_outbox where kind = 'mfa_removed') as subject,
              api.user_factors(${project.id}, ${user}) as factors`,
  );
  assert.equal(row.actor, `account:${owner.accountId}`);
  assert.equal(row.events, 1);
  assert.match(
    row.subject,
    /^Two-step verification was removed .* \/ Verifikasi dua langkah dihapus dari akun Shop Anda$/,
  );
  assert.equal(row.factors.mfa_enrolled, false);
  const after = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.match(after, /No second factor is set up/);
});

Deno.test("settings — the second-factor policy form saves off, optional or required; viewers cannot", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /name="policy" value="optional" checked/);
  assert.equal((await postAs(t, viewer, `${base}/settings/mfa`, { policy: "required" })).status, 403);
  const saved = await postAs(t, owner, `${base}/settings/mfa`, { policy: "required" });
  assert.equal(saved.status, 303);
  const [row] = await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select settings -> 'mfa' as mfa from astapa.projects where id = ${project.id}`,
  );
  assert.deepEqual(row.mfa, { policy: "required" });
  const always = await postAs(t, owner, `${base}/settings/mfa`, { policy: "always" });
  assert.equal(always.status, 422);
  assert.match(await always.text(), /role="alert">Some fields are missing or invalid\. policy: /);
});

Deno.test("settings — the second-factor form turns phone codes on as a second factor, and off again", async () => {
  const saved = await postAs(t, owner, `${base}/settings/mfa`, { policy: "optional", phone: "on" });
  assert.equal(saved.status, 303);
  const stored = async () =>
    (await asApp(
      t.db.sql,
      project.id,
      (tx) => tx`select settings -> 'mfa' as mfa from astapa.projects where id = ${project.id}`,
    ))[0].mfa;
  assert.deepEqual(await stored(), { policy: "optional", phone: true });
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /name="phone" value="on" checked/);
  assert.equal((await postAs(t, viewer, `${base}/settings/mfa`, { policy: "optional" })).status, 403);
  await postAs(t, owner, `${base}/settings/mfa`, { policy: "optional" });
  assert.deepEqual(await stored(), { policy: "optional" });
  // Days a browser is remembered (set with the SQL API) survive a save of this form.
  await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select api.update_project_settings(${project.id}, ${
        tx.json({ mfa: { policy: "optional", remember_days: 30 } })
      })`,
  );
  await postAs(t, owner, `${base}/settings/mfa`, { policy: "required", phone: "on" });
  assert.deepEqual(await stored(), { policy: "required", remember_days: 30, phone: true });
});

Deno.test("user page — a phone factor and a passkey are second factors too; the reset removes the phone factor", async () => {
  await t.db.sql`update astapa.projects set settings = ${
    t.db.sql.json({ mfa: { policy: "optional", phone: true }, passkeys: true })
  } where id = ${project.id}`;
  const user = await seedUser(t.db.sql, project.id, "phone.factor@example.com");
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.set_user_phone(${project.id}, ${user}, '+6281299990001', true)`;
    await tx`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
      values (${project.id}, ${user}, 'phone', now())`;
    await tx`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type, backed_up,
      name) values (${project.id}, ${await sha256(
      "user-page-key",
    )}, ${user}, '\\x01', 'multiDevice', true, 'Key')`;
  });
  const page = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.match(page, /<dt>Phone codes<\/dt>/);
  assert.match(page, /<dt>Passkey<\/dt>/);
  assert.doesNotMatch(page, /No second factor is set up/);
  assert.match(page, /Reset second factor/);
  assert.equal((await postAs(t, owner, `${base}/users/${user}/factors`, {})).status, 303);
  const after = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.doesNotMatch(after, /<dt>Phone codes<\/dt>/);
  const [event] = await t.db.sql`select data from astapa.events where project_id = ${project.id}
    and type = 'user.mfa_removed' and data -> 'user' ->> 'id' = ${user}`;
  assert.equal(event.data.factor, "phone");
  assert.deepEqual(event.data.factors, ["phone"]);
  // The passkey stays (it is managed with the passkeys) and still counts.
  assert.match(after, /<dt>Passkey<\/dt>/);
});

Deno.test("user page — a phone-only user's second factor is reset too, and the page says no one was mailed", async () => {
  const [{ id }] = await t.db.sql`
    insert into astapa.users (project_id, phone_number, phone_number_verified, environment)
    values (${project.id}, '+6281399990002', true, 'sandbox') returning id::text`;
  await t.db.sql`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
                 values (${project.id}, ${id}, 'phone', now())`;
  const res = await postAs(t, owner, `${base}/users/${id}/factors`, {});
  assert.equal(res.status, 303, await res.clone().text());
  assert.match(
    await (await getAs(t, owner, res.headers.get("location")!)).text(),
    /Second factor reset: the user has no email address to tell/,
  );
  const [left] = await t.db.sql`select count(*)::int as n from astapa.user_factors where user_id = ${id}`;
  assert.equal(left.n, 0);
});
