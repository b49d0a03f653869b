/**
 * The user page's passkeys: each one's name, when added and last used, synced or on one device, a warning for
 * one that looked cloned, an empty state, never a public key; an admin removes one (audited as the developer
 * with by admin, the app's webhook told, the user mailed in English and Indonesian). Viewers, a missing or wrong
 * CSRF token, another site's form, another project's developer, another user's credential and a malformed id
 * change nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedPasskey as seedKey, seedProject, seedUser } from "../helpers/identity.ts";
import { shortTime } from "@/lib/dashboard/format.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;

// The deployment's first developer owns the deployment: a bystander signs in first.
await signInDeveloper(t, "deployment-owner@dev.example");
const signedIn = async (email: string) => {
  await inviteDeveloper(t, email);
  return await signInDeveloper(t, email);
};
const admin = await signedIn("admin@dev.example");
const viewer = await signedIn("viewer@dev.example");
const outsider = await signedIn("outsider@dev.example");
const project = await seedProject(sql, { name: "Toko" });
const other = await seedProject(sql, { name: "Other" });
await addDeveloperTo(t, project.id, admin.accountId, "admin");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
await addDeveloperTo(t, other.id, outsider.accountId, "owner");
const base = `/dashboard/projects/${project.id}`;

const ADDED = "2026-01-05T10:00:00Z";
const USED = "2026-02-07T08:30:00Z";
const credential = (n: number) => new Uint8Array(16).fill(n);
const hex = (n: number) => n.toString(16).padStart(2, "0").repeat(16);

const seedPasskey = (projectId: string, userId: string, n: number, fields?: Parameters<typeof seedKey>[4]) =>
  seedKey(sql, projectId, userId, n, { addedAt: ADDED, ...fields });

const stored = async (n: number) =>
  Number((await sql`select count(*) from astapa.passkeys where credential_id = ${credential(n)}`)[0].count);

Deno.test("user page — lists passkeys: name, added, last used or never, synced or one device, cloned warning", async () => {
  const user = await seedUser(sql, project.id, "list@example.com");
  await seedPasskey(project.id, user, 1, { name: "<b>Laptop</b>" });
  await seedPasskey(project.id, user, 2, { name: "iCloud", synced: true, usedAt: USED });
  await seedPasskey(project.id, user, 3, { name: "Old key", usedAt: USED, clonedAt: USED });
  const html = await (await getAs(t, admin, `${base}/users/${user}`)).text();
  const section = html.slice(
    html.indexOf('<h2 id="passkeys-heading">'),
    html.indexOf("</section>", html.indexOf('id="passkeys-heading"')),
  );
  assert.match(section, /Passkeys<\/h2>/);
  assert.match(section, /&lt;b>Laptop&lt;\/b>/, "names are escaped");
  assert.doesNotMatch(section, /<b>Laptop/);
  assert.match(section, /iCloud/);
  assert.ok(section.includes(shortTime(ADDED)), "when added");
  assert.ok(section.includes(shortTime(USED)), "when last used");
  assert.match(section, /<td>never<\/td>/);
  assert.match(section, /Synced across devices/);
  assert.match(section, /On one device/);
  assert.match(section, /Possibly cloned/);
  assert.match(section, /sign counter went backwards/);
  assert.equal(section.match(/Possibly cloned/g)?.length, 1, "only the cloned key is flagged");
  assert.match(section, new RegExp(`<code[^>]*>${hex(1).slice(0, 8)}…</code>`), "a shortened credential id");
  assert.doesNotMatch(html, /c0ffee/i, "never the public key");
  assert.equal(section.match(/name="credential_id"/g)?.length, 3, "an admin may remove each");
  const asViewer = await (await getAs(t, viewer, `${base}/users/${user}`)).text();
  assert.match(asViewer, /iCloud/);
  assert.doesNotMatch(asViewer, /name="credential_id"/, "a viewer gets no remove form");
});

Deno.test("user page — a user without passkeys gets the empty state", async () => {
  const user = await seedUser(sql, project.id, "nokeys@example.com");
  const html = await (await getAs(t, viewer, `${base}/users/${user}`)).text();
  assert.match(
    html,
    /<h2 id="passkeys-heading">Passkeys<\/h2>\s*<p class="muted">No passkeys: this user has not added one\.<\/p>/,
  );
});

Deno.test("user page — an admin removes a passkey: audited by admin, the webhook event, the user mailed", async () => {
  const user = await seedUser(sql, project.id, "remove@example.com");
  await seedPasskey(project.id, user, 4, { name: "YubiKey" });
  await seedPasskey(project.id, user, 5, { name: "Spare" });
  const res = await postAs(t, admin, `${base}/users/${user}/passkeys`, { credential_id: hex(4) });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `${base}/users/${user}?done=passkey_removed`);
  const after = await (await getAs(t, admin, res.headers.get("location")!)).text();
  assert.match(after, /Passkey removed: it no longer signs the user in/);
  assert.doesNotMatch(after, /YubiKey<\/td>|YubiKey <code/);
  assert.match(after, /Spare/);
  assert.equal(await stored(4), 0);
  const [audit] = await sql`select actor, details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.passkey_removed' and target = ${`user:${user}`}`;
  assert.deepEqual({ ...audit }, {
    actor: `account:${admin.accountId}`,
    details: { name: "YubiKey", by: "admin" },
  });
  const [event] = await sql`select data from astapa.events where project_id = ${project.id}
    and type = 'user.passkey_removed' and data -> 'user' ->> 'id' = ${user}`;
  assert.deepEqual(event.data.passkey, { name: "YubiKey" });
  const [mail] = await sql`select kind, subject, body_text from astapa.mail_outbox
    where project_id = ${project.id} and to_address = 'remove@example.com'`;
  assert.equal(mail.kind, "passkey_removed");
  assert.equal(
    mail.subject,
    "A passkey was removed from your Toko account / Sebuah passkey dihapus dari akun Toko Anda",
  );
  assert.match(mail.body_text, /An administrator of Toko removed your passkey “YubiKey”/);
  assert.match(mail.body_text, /Administrator Toko menghapus passkey Anda “YubiKey”/);
  assert.doesNotMatch(mail.body_text, /Spare/, "only the key that went");
  // Removed already: the page again with the reason, 422.
  const again = await postAs(t, admin, `${base}/users/${user}/passkeys`, { credential_id: hex(4) });
  assert.equal(again.status, 422);
  assert.match(await again.text(), /This user has no such passkey/);
});

Deno.test("user page — removing a passkey is refused for a viewer, without or with a wrong CSRF token, from another site, and for an outsider", async () => {
  const user = await seedUser(sql, project.id, "guarded@example.com");
  await seedPasskey(project.id, user, 6);
  const path = `${base}/users/${user}/passkeys`;
  const fields = { credential_id: hex(6) };
  assert.equal((await postAs(t, viewer, path, fields)).status, 403, "viewer");
  assert.equal((await postAs(t, admin, path, fields, null)).status, 403, "no CSRF token");
  assert.equal((await postAs(t, admin, path, fields, viewer.csrf)).status, 403, "another session's token");
  assert.equal((await postAs(t, outsider, path, fields)).status, 404, "another project's developer");
  // A page on another site that somehow holds the token (a leaked page, a browser extension): its Origin is refused.
  const crossSite = await t.app.request(path, {
    method: "POST",
    headers: {
      cookie: admin.cookie,
      origin: "https://evil.example",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrf: admin.csrf, ...fields }),
  });
  assert.equal(crossSite.status, 403, "another site's form");
  assert.equal(await stored(6), 1);
  assert.equal(
    Number(
      (await sql`select count(*) from astapa.audit_log where action = 'user.passkey_removed'
      and target = ${`user:${user}`}`)[0].count,
    ),
    0,
  );
});

Deno.test("user page — another user's or another project's credential is refused (422), a malformed id is refused as a field (422)", async () => {
  const victim = await seedUser(sql, project.id, "victim@example.com");
  const attacker = await seedUser(sql, project.id, "attacker@example.com");
  await seedPasskey(project.id, victim, 7);
  const foreign = await seedUser(sql, other.id, "foreign@example.com");
  await seedPasskey(other.id, foreign, 8);
  const viaAttacker = await postAs(t, admin, `${base}/users/${attacker}/passkeys`, { credential_id: hex(7) });
  assert.equal(viaAttacker.status, 422);
  assert.match(await viaAttacker.text(), /This user has no such passkey/);
  const otherProjects = await postAs(t, admin, `${base}/users/${attacker}/passkeys`, {
    credential_id: hex(8),
  });
  assert.equal(otherProjects.status, 422);
  // Another project's user, named under this project: not found.
  assert.equal(
    (await postAs(t, admin, `${base}/users/${foreign}/passkeys`, { credential_id: hex(8) })).status,
    404,
  );
  for (const bad of ["", "zz".repeat(16), "ab", "AB".repeat(16), `${hex(7)}0`]) {
    const res = await postAs(t, admin, `${base}/users/${victim}/passkeys`, { credential_id: bad });
    assert.equal(res.status, 422, bad);
    assert.match(await res.text(), /role="alert">Some fields are missing or invalid\. credential_id: /, bad);
  }
  const noId = await postAs(t, admin, `${base}/users/${victim}/passkeys`, {});
  assert.equal(noId.status, 422, "no id");
  assert.match(await noId.text(), /role="alert">Some fields are missing or invalid\. credential_id: /);
  assert.equal(await stored(7), 1);
  assert.equal(await stored(8), 1);
});

Deno.test("user page — a user of the other environment: the page and the removal are 404", async () => {
  const live = await seedUser(sql, project.id, "live@example.com");
  await seedPasskey(project.id, live, 9);
  await sql`update astapa.users set environment = 'production' where project_id = ${project.id}
    and id = ${live}::bigint`;
  assert.equal((await getAs(t, admin, `${base}/users/${live}`)).status, 404);
  assert.equal(
    (await postAs(t, admin, `${base}/users/${live}/passkeys`, { credential_id: hex(9) })).status,
    404,
  );
  assert.equal(await stored(9), 1);
});

Deno.test("user page — a working passkey is a way in: 'a passkey only', and the last password may be removed", async () => {
  const keyed = await seedProject(sql, { name: "Toko Kunci", settings: { passkeys: true } });
  await addDeveloperTo(t, keyed.id, admin.accountId, "admin");
  const page = `/dashboard/projects/${keyed.id}/users`;

  const passkeyOnly = await seedUser(sql, keyed.id, "passkey.only@example.com");
  await seedPasskey(keyed.id, passkeyOnly, 40);
  const only = await (await getAs(t, admin, `${page}/${passkeyOnly}`)).text();
  assert.match(only, /A passkey only \(below\): no password or linked account\./);
  assert.doesNotMatch(only, /cannot sign in until they reset their password/);

  const both = await seedUser(sql, keyed.id, "password.and.key@example.com");
  await sql`update astapa.users set password_hash = ${"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"}
            where id = ${both}`;
  await seedPasskey(keyed.id, both, 41);
  const html = await (await getAs(t, admin, `${page}/${both}`)).text();
  assert.match(html, /<button type="submit" class="link danger">Remove password<\/button>/);
  assert.doesNotMatch(html, /The only way this user can sign in cannot be removed/);
  const removed = await postAs(t, admin, `${page}/${both}/identities`, { provider: "password" });
  assert.equal(removed.status, 303, await removed.clone().text());
  const [{ has }] = await sql`select password_hash is not null as has from astapa.users where id = ${both}`;
  assert.equal(has, false, "the passkey is left to sign in with");
});
