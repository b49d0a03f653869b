/**
 * The Settings page's ways to sign in (issue 20 #3): passwords, passkeys and email codes switched on and off by
 * an admin, defaults removed from the settings, passwords off refused (422, the reason on the page) while
 * neither other way is on, and viewers read only.
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
const action = `${base}/settings/sign-in-methods`;

async function settings(): Promise<Record<string, unknown>> {
  const [row] = await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select settings from astapa.projects where id = ${project.id}`,
  );
  return row.settings;
}

Deno.test("settings — ways to sign in: saved by an admin, passwords off only beside another way", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /name="passwords" value="on" checked/);
  assert.match(page, /name="breached_passwords" value="on" checked/, "the breach lookups are on by default");
  assert.match(page, /name="breached_password_sign_in" value="on" checked/);
  assert.doesNotMatch(page, /name="passkeys" value="on" checked/);

  assert.equal((await postAs(t, viewer, action, { passkeys: "on", passwords: "on" })).status, 403);
  assert.equal((await settings()).passkeys, undefined);

  const refused = await postAs(t, owner, action, {});
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /Passwords can be off only while email codes or passkeys are on/);
  assert.equal((await settings()).passwords, undefined);

  const saved = await postAs(t, owner, action, {
    email_codes: "on",
    passkeys: "on",
    passkey_upgrade: "on",
    email_code_sign_up: "on",
  });
  assert.equal(saved.status, 303);
  const now = await settings();
  assert.deepEqual([now.passwords, now.passkeys, now.email_codes, now.email_code_sign_up], [
    false,
    true,
    true,
    true,
  ]);
  const shown = await (await getAs(t, owner, `${base}/settings?done=sign_in_methods_saved`)).text();
  assert.match(shown, /Ways to sign in saved/);
  assert.match(shown, /name="email_codes" value="on" checked/);
  assert.match(shown, /name="email_code_sign_up" value="on" checked/);
  assert.equal(now.passkey_upgrade, true);
  assert.match(shown, /name="passkey_upgrade" value="on" checked/);
  assert.doesNotMatch(shown, /name="passwords" value="on" checked/);
  // Unticked, the breach lookups are off: stored as false (their default is on).
  assert.deepEqual([now.breached_passwords, now.breached_password_sign_in], [false, false]);
  assert.doesNotMatch(shown, /name="breached_password_sign_in" value="on" checked/);

  const defaults = { passwords: "on", breached_passwords: "on", breached_password_sign_in: "on" };
  assert.equal((await postAs(t, owner, action, defaults)).status, 303);
  const back = await settings();
  assert.deepEqual(
    [
      back.passwords,
      back.passkeys,
      back.email_codes,
      back.email_code_sign_up,
      back.breached_passwords,
      back.breached_password_sign_in,
      back.passkey_upgrade,
    ],
    [undefined, undefined, undefined, undefined, undefined, undefined, undefined],
  );
  const malformed = await postAs(t, owner, action, { passwords: "yes" });
  assert.equal(malformed.status, 422);
  assert.match(await malformed.text(), /role="alert">Some fields are missing or invalid\. passwords: /);
});
