/**
 * The Settings page's renewal and trial days (billing_grace_days, billing_renewal_notice_days,
 * billing_trial_reminder_days): an admin sets them, empty restores a default, out-of-range and non-numbers are
 * refused with the API's own message (422, nothing saved), each change is audited; viewers read only.
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

const owner = await signInDeveloper(t, "owner@days.example");
await inviteDeveloper(t, "viewer@days.example");
const viewer = await signInDeveloper(t, "viewer@days.example");
const project = await seedProject(t.db.sql, { name: "Days shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;
const days = () => asApp(t.db.sql, project.id, (tx) => billingSettings(tx, project.id));
const audited = async () =>
  (await t.db.sql`select count(*)::int as n from astapa.audit_log
                  where project_id = ${project.id} and action = 'project.settings'`)[0].n as number;

Deno.test("settings — renewal and trial days: an admin sets them, empty is the default, audited", async () => {
  const before = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(before, /Renewals and trials/);
  assert.match(before, /id="billing_grace_days"[^>]*placeholder="3"/);
  const auditedBefore = await audited();
  const saved = await postAs(t, owner, `${base}/settings/billing-days`, {
    billing_grace_days: "5",
    billing_renewal_notice_days: "10",
    billing_trial_reminder_days: "0",
  });
  assert.equal(saved.status, 303);
  assert.match(saved.headers.get("location")!, /done=billing_days_saved/);
  const set = await days();
  assert.deepEqual(
    [set.billing_grace_days, set.billing_renewal_notice_days, set.billing_trial_reminder_days],
    [5, 10, 0],
  );
  assert.equal(await audited(), auditedBefore + 1);
  const after = await (await getAs(t, owner, `${base}/settings?done=billing_days_saved`)).text();
  assert.match(after, /Renewal and trial days saved/);
  assert.match(after, /id="billing_grace_days"[^>]*value="5"/);

  // Empty restores the default (the key is removed).
  await postAs(t, owner, `${base}/settings/billing-days`, {
    billing_grace_days: "",
    billing_renewal_notice_days: "10",
    billing_trial_reminder_days: "0",
  });
  assert.equal((await days()).billing_grace_days, 3);
  const [row] = await t.db.sql`select settings ? 'billing_grace_days' as kept from astapa.projects
                               where id = ${project.id}`;
  assert.equal(row.kept, false);
});

Deno.test("settings — renewal and trial days: out of range or not a number is refused with the API's message; viewers cannot post", async () => {
  const before = await days();
  for (const bad of ["366", "-1", "2.5", "soon"]) {
    const refused = await postAs(t, owner, `${base}/settings/billing-days`, {
      billing_grace_days: bad,
      billing_renewal_notice_days: "",
      billing_trial_reminder_days: "",
    });
    assert.equal(refused.status, 422, bad);
    assert.match(
      await refused.text(),
      /billing_grace_days must be a whole number of days from 0 to 365/,
      bad,
    );
  }
  assert.deepEqual(await days(), before, "nothing saved by a refused form");
  const viewerPage = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewerPage, /id="billing_grace_days"[^>]*disabled/);
  assert.ok(!viewerPage.includes("Save renewal days"));
  assert.equal(
    (await postAs(t, viewer, `${base}/settings/billing-days`, { billing_grace_days: "9" })).status,
    403,
  );
  assert.deepEqual(await days(), before);
});
