/**
 * The Settings page's automatic-renewal form (settings.linked_methods): an admin turns linking and charging on,
 * and the ShopeePay and GoPay recurring switches; unticking turns them off; viewers read the state only and
 * cannot post.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@renew.example");
await inviteDeveloper(t, "viewer@renew.example");
const viewer = await signInDeveloper(t, "viewer@renew.example");
const project = await seedProject(t.db.sql, { name: "Renewing shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

const switches = async () =>
  (await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select settings -> 'linked_methods' as linked from astapa.projects where id = ${project.id}`,
  ))[0].linked;

Deno.test("settings — automatic renewal: admins switch linking, ShopeePay/GoPay, direct debit and cards on and off; viewers cannot", async () => {
  const before = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(before, /Automatic renewal/);
  assert.doesNotMatch(before, /name="enabled" value="on" checked/, "off by default");

  const saved = await postAs(t, owner, `${base}/settings/linked-methods`, {
    enabled: "on",
    shopeepay: "on",
    direct_debit: "on",
  });
  assert.equal(saved.status, 303);
  assert.match(saved.headers.get("location")!, /done=linked_methods_saved/);
  assert.deepEqual(await switches(), {
    enabled: true,
    shopeepay: true,
    gopay_recurring: false,
    direct_debit: true,
    cards: false,
  });
  const after = await (await getAs(t, owner, `${base}/settings?done=linked_methods_saved`)).text();
  assert.match(after, /Automatic renewal saved/);
  assert.match(after, /type="checkbox" name="enabled" value="on" checked/);
  assert.match(after, /type="checkbox" name="shopeepay" value="on" checked/);
  assert.doesNotMatch(after, /name="gopay_recurring" value="on" checked/);
  assert.match(after, /type="checkbox" name="direct_debit" value="on" checked/);
  assert.doesNotMatch(after, /name="cards" value="on" checked/);

  const viewed = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewed, /name="enabled" value="on" checked disabled/, "viewers see the state, disabled");
  assert.doesNotMatch(viewed, /Save automatic renewal/);
  assert.equal((await postAs(t, viewer, `${base}/settings/linked-methods`, {})).status, 403);
  assert.deepEqual(await switches(), {
    enabled: true,
    shopeepay: true,
    gopay_recurring: false,
    direct_debit: true,
    cards: false,
  }, "unchanged");

  // A value the form never offers: the page again with the field's problem (422), nothing saved.
  const malformed = await postAs(t, owner, `${base}/settings/linked-methods`, { enabled: "yes" });
  assert.equal(malformed.status, 422);
  assert.match(await malformed.text(), /role="alert">Some fields are missing or invalid\. enabled: /);
  const off = await postAs(t, owner, `${base}/settings/linked-methods`, {});
  assert.equal(off.status, 303);
  assert.deepEqual(await switches(), {
    enabled: false,
    shopeepay: false,
    gopay_recurring: false,
    direct_debit: false,
    cards: false,
  });
});
