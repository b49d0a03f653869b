/**
 * The Settings page's double payments switch (billing_refund_duplicates, components/dashboard/DuplicateRefundSettings):
 * off by default, an admin turns it on and off (audited, through api.update_billing_settings), viewers read only.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { billingSettings } from "@/db/project_settings.ts";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@duplicates.example");
await inviteDeveloper(t, "viewer@duplicates.example");
const viewer = await signInDeveloper(t, "viewer@duplicates.example");
const project = await seedProject(t.db.sql, { name: "Duplicates shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;
const refunds = async () =>
  (await asApp(t.db.sql, project.id, (tx) => billingSettings(tx, project.id))).billing_refund_duplicates;
const SWITCH = /<input type="checkbox" name="billing_refund_duplicates"[^>]*>/;

Deno.test("settings — double payments: off by default, an admin turns the automatic refund on and off, audited; viewers cannot", async () => {
  const before = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(before, /Double payments/);
  assert.doesNotMatch(before.match(SWITCH)![0], /checked/);
  const saved = await postAs(t, owner, `${base}/settings/duplicate-refunds`, {
    billing_refund_duplicates: "on",
  });
  assert.equal(saved.status, 303);
  assert.match(saved.headers.get("location")!, /done=duplicate_refunds_saved/);
  assert.equal(await refunds(), true);
  const after = await (await getAs(t, owner, `${base}/settings?done=duplicate_refunds_saved`)).text();
  assert.match(after, /Double payments saved/);
  assert.match(after.match(SWITCH)![0], /checked/);

  const viewerPage = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewerPage.match(SWITCH)![0], /disabled/);
  assert.ok(!viewerPage.includes("Save double payments"));
  assert.equal((await postAs(t, viewer, `${base}/settings/duplicate-refunds`, {})).status, 403);
  assert.equal(await refunds(), true);

  assert.equal((await postAs(t, owner, `${base}/settings/duplicate-refunds`, {})).status, 303);
  assert.equal(await refunds(), false, "unticked: off again");
  const audited = await t.db.sql`select details from astapa.audit_log
                                 where project_id = ${project.id} and action = 'project.settings' order by id`;
  assert.deepEqual(audited.map((a) => a.details), [
    { billing_refund_duplicates: true },
    { billing_refund_duplicates: null },
  ]);
});
