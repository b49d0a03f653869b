/** The dashboard's Coupons page over HTTP: create, list with redemptions, disable and enable; viewers read. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { getCoupon } from "@/db/coupons.ts";
import { createPlan } from "@/db/plans.ts";
import { createCheckout } from "@/db/payments.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Kopi" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
await asApp(
  t.db.sql,
  project.id,
  (tx) => createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99_000 }),
);
const base = `/dashboard/projects/${project.id}`;
const coupon = (code: string) => asApp(t.db.sql, project.id, (tx) => getCoupon(tx, project.id, code));

const form = (fields: Record<string, string>) => ({
  code: "LAUNCH",
  kind: "percent",
  value: "20",
  duration: "once",
  duration_periods: "",
  max_redemptions: "",
  plans: "",
  expires_at: "",
  ...fields,
});

Deno.test("coupons page — create (Jakarta end of day expiry), refusals re-render, redemptions listed", async () => {
  const created = await postAs(
    t,
    owner,
    `${base}/coupons`,
    form({ max_redemptions: "50", expires_at: "2030-01-31" }),
  );
  assert.equal(created.status, 303);
  assert.equal(created.headers.get("location"), `${base}/coupons?done=created`);
  const launch = await coupon("LAUNCH");
  assert.equal(launch.percent_off, 20);
  assert.equal(launch.max_redemptions, 50);
  assert.equal(new Date(launch.expires_at!).toISOString(), "2030-01-31T16:59:59.000Z");
  const fixed = await postAs(
    t,
    owner,
    `${base}/coupons`,
    form({ code: "RP5K", kind: "amount", value: "5.000", plans: "pro" }),
  );
  assert.equal(fixed.status, 303);
  assert.equal((await coupon("RP5K")).amount_off_idr, 5_000);
  const refused = await postAs(t, owner, `${base}/coupons`, form({ code: "BAD", value: "150" }));
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /percent_off must be a whole number from 1 to 99/);

  const sub = await seedUser(t.db.sql, project.id, "ayu@example.com");
  await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      createCheckout(tx, project.id, { sub, plan: "pro", xendit_account: "simulator", coupon: "launch" }),
  );
  const page = await (await getAs(t, viewer, `${base}/coupons`)).text();
  assert.match(page, /data-coupon="LAUNCH"[\s\S]*?data-redemptions="1"/);
  assert.match(page, /ayu@example\.com · pro · −Rp 19\.800 · open/);
  assert.ok(!page.includes("New coupon"), "viewers do not get the form");
});

Deno.test("coupons page — disable and enable; a viewer cannot", async () => {
  await postAs(t, owner, `${base}/coupons`, form({ code: "TOGGLE" }));
  const byViewer = await postAs(t, viewer, `${base}/coupons/disabled`, { code: "TOGGLE", disabled: "true" });
  assert.equal(byViewer.status, 403);
  assert.equal((await coupon("TOGGLE")).disabled, false);
  const disabled = await postAs(t, owner, `${base}/coupons/disabled`, { code: "TOGGLE", disabled: "true" });
  assert.equal(disabled.headers.get("location"), `${base}/coupons?done=disabled`);
  assert.equal((await coupon("TOGGLE")).disabled, true);
  await postAs(t, owner, `${base}/coupons/disabled`, { code: "TOGGLE", disabled: "false" });
  assert.equal((await coupon("TOGGLE")).disabled, false);
  const missing = await postAs(t, owner, `${base}/coupons/disabled`, { code: "NOPE", disabled: "true" });
  assert.equal(missing.status, 422);
});
