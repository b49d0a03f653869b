/** The dashboard's Plans pages over HTTP: list with prices and subscribers, create, edit, archive, default. */
import assert from "node:assert/strict";
import { takeLive } from "../helpers/live_keys.ts";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan, getPlan, listPlans } from "@/db/plans.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
await inviteDeveloper(t, "stranger@dev.example");
const stranger = await signInDeveloper(t, "stranger@dev.example");
const project = await seedProject(t.db.sql, { name: "Kopi" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
await asApp(t.db.sql, project.id, async (tx) => {
  await createPlan(tx, project.id, {
    key: "pro",
    name: "Pro",
    price_idr: 99_000,
    claims: { feature_flags: ["export_csv"], seats: 5 },
  });
  await createPlan(tx, project.id, { key: "yearly", name: "Yearly", price_idr: 990_000, interval: "year" });
});
const ayu = await seedUser(t.db.sql, project.id, "ayu@example.com");
const budi = await seedUser(t.db.sql, project.id, "budi@example.com");
await asApp(t.db.sql, project.id, async (tx) => {
  await assignPlan(tx, project.id, ayu, "pro", "dashboard");
  await assignPlan(tx, project.id, budi, "pro", "dashboard");
});
const base = `/dashboard/projects/${project.id}`;

const plan = (key: string) => asApp(t.db.sql, project.id, (tx) => getPlan(tx, project.id, key));

/** The table row of a plan on the list page. */
function rowOf(html: string, key: string): string {
  const match = new RegExp(`<tr[^>]*data-plan="${key}"[^>]*>([\\s\\S]*?)</tr>`).exec(html);
  assert.ok(match, `a row for ${key}`);
  return match[1];
}

const form = (fields: Record<string, string>) => ({
  name: "Team",
  price_idr: "250000",
  interval: "month",
  description: "",
  feature_flags: "",
  claims: "",
  sort_order: "",
  ...fields,
});

Deno.test("plans page — IDR prices, interval, claims, default, subscribers per plan", async () => {
  const res = await getAs(t, owner, `${base}/plans`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>Plans<\/h1>/);
  assert.match(html, /<a href="[^"]*\/plans" aria-current="page">Plans<\/a>/);
  const pro = rowOf(html, "pro");
  assert.match(pro, /Rp 99\.000/);
  assert.match(pro, /per month/);
  assert.match(pro, /export_csv/);
  assert.match(pro, /<code>seats<\/code> = <code>5<\/code>/);
  assert.match(pro, /data-subscribers="2"/);
  assert.match(rowOf(html, "yearly"), /Rp 990\.000[\s\S]*per year/);
  assert.match(rowOf(html, "free"), /class="badge default">default</);
  assert.match(rowOf(html, "free"), /data-subscribers="0"/);
  assert.match(html, /<h2>New plan<\/h2>/);
});

Deno.test("plans page — an admin creates a plan with flags and claims; it is audited as the developer", async () => {
  const res = await postAs(
    t,
    owner,
    `${base}/plans`,
    form({
      key: "team",
      price_idr: "250.000",
      feature_flags: "sso, audit_export",
      claims: '{"seats": 20}',
      sort_order: "3",
    }),
  );
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `${base}/plans?done=created`);
  const team = await plan("team");
  assert.equal(team.price_idr, 250_000);
  assert.deepEqual(team.claims, { seats: 20, feature_flags: ["sso", "audit_export"] });
  assert.equal(team.sort_order, 3);
  const page = await (await getAs(t, owner, res.headers.get("location")!)).text();
  assert.match(page, /Plan created\./);
  assert.match(rowOf(page, "team"), /Rp 250\.000/);
  const [audit] = await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select actor from astapa.audit_log where action = 'plan.create' and target = 'plan:team'`,
  );
  assert.equal(audit?.actor, `account:${owner.accountId}`);
});

Deno.test("plans page — bad input is 422 with the reason, and the form keeps what was typed", async () => {
  const duplicate = await postAs(t, owner, `${base}/plans`, form({ key: "pro", name: "Pro again" }));
  assert.equal(duplicate.status, 422);
  const duplicateHtml = await duplicate.text();
  assert.match(duplicateHtml, /Plan pro already exists in this project\./);
  assert.match(duplicateHtml, /value="Pro again"/);
  const negative = await postAs(t, owner, `${base}/plans`, form({ key: "cheap", price_idr: "-5" }));
  assert.equal(negative.status, 422);
  assert.match(await negative.text(), /price_idr must be a whole number of rupiah from 0/);
  const words = await postAs(t, owner, `${base}/plans`, form({ key: "words", price_idr: "lots" }));
  assert.equal(words.status, 422);
  const badKey = await postAs(t, owner, `${base}/plans`, form({ key: "Not A Key" }));
  assert.equal(badKey.status, 422);
  assert.match(await badKey.text(), /key must be 1 to 64 characters/);
  const badClaims = await postAs(t, owner, `${base}/plans`, form({ key: "json", claims: "[1]" }));
  assert.equal(badClaims.status, 422);
  assert.match(await badClaims.text(), /Other claims must be a JSON object/);
  const reserved = await postAs(
    t,
    owner,
    `${base}/plans`,
    form({ key: "boss", claims: '{"role": "admin"}' }),
  );
  assert.equal(reserved.status, 422);
  const plans = await asApp(t.db.sql, project.id, (tx) => listPlans(tx, project.id, true));
  assert.ok(!plans.some((p) => ["cheap", "words", "json", "boss"].includes(p.key)), "nothing was created");
});

Deno.test("plans page — edit a plan: name, price, interval and claims through api.update_plan", async () => {
  const page = await getAs(t, owner, `${base}/plans/yearly`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<h1>Yearly<\/h1>[\s\S]*Save plan/);
  const res = await postAs(
    t,
    owner,
    `${base}/plans/yearly`,
    form({ name: "Annual", price_idr: "900000", interval: "year", feature_flags: "priority_support" }),
  );
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `${base}/plans/yearly?done=saved`);
  const yearly = await plan("yearly");
  assert.equal(yearly.name, "Annual");
  assert.equal(yearly.price_idr, 900_000);
  assert.deepEqual(yearly.claims, { feature_flags: ["priority_support"] });
  const bad = await postAs(t, owner, `${base}/plans/yearly`, form({ name: " ", price_idr: "1" }));
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /name must be 1 to 100 characters/);
  assert.equal((await getAs(t, owner, `${base}/plans/nope`)).status, 404);
  assert.equal((await getAs(t, owner, `${base}/plans/NOT%20A%20KEY`)).status, 404);
});

Deno.test("plans page — archive, unarchive and make default; the default cannot be archived", async () => {
  await asApp(
    t.db.sql,
    project.id,
    (tx) => createPlan(tx, project.id, { key: "old", name: "Old", price_idr: 1 }),
  );
  const archived = await postAs(t, owner, `${base}/plans/old/archived`, { archived: "true" });
  assert.equal(archived.status, 303);
  assert.equal(archived.headers.get("location"), `${base}/plans?done=archived`);
  assert.equal((await plan("old")).archived, true);
  const list = await (await getAs(t, owner, `${base}/plans?done=archived`)).text();
  assert.match(list, /Plan archived/);
  assert.match(rowOf(list, "old"), /class="badge archived">archived</);
  assert.match(rowOf(list, "old"), /Unarchive/);
  const unarchived = await postAs(t, owner, `${base}/plans/old/archived`, { archived: "false" });
  assert.equal(unarchived.headers.get("location"), `${base}/plans?done=unarchived`);
  assert.equal((await plan("old")).archived, false);

  const made = await postAs(t, owner, `${base}/plans/old/default`, {});
  assert.equal(made.headers.get("location"), `${base}/plans?done=default`);
  assert.equal((await plan("old")).default, true);
  assert.equal((await plan("free")).default, false);
  const refused = await postAs(t, owner, `${base}/plans/old/archived`, { archived: "true" });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /The default plan cannot be archived/);
  await postAs(t, owner, `${base}/plans/free/default`, {});
  assert.equal((await plan("free")).default, true);
  const unknown = await postAs(t, owner, `${base}/plans/ghost/default`, {});
  assert.equal(unknown.status, 422);
  assert.match(await unknown.text(), /Plan ghost was not found/);
});

Deno.test("plans page — viewers read but cannot change; strangers see nothing; forms need the CSRF token", async () => {
  const read = await (await getAs(t, viewer, `${base}/plans`)).text();
  assert.match(read, /Rp 99\.000/);
  assert.ok(!read.includes("New plan"), "no create form for viewers");
  assert.ok(!read.includes("Make default"), "no actions for viewers");
  assert.ok(!(await (await getAs(t, viewer, `${base}/plans/pro`)).text()).includes("Save plan"));
  const created = await postAs(t, viewer, `${base}/plans`, form({ key: "sneaky" }));
  assert.equal(created.status, 403);
  assert.equal((await postAs(t, viewer, `${base}/plans/pro`, form({ name: "Mine" }))).status, 403);
  assert.equal((await postAs(t, viewer, `${base}/plans/pro/archived`, { archived: "true" })).status, 403);
  assert.equal((await postAs(t, viewer, `${base}/plans/pro/default`, {})).status, 403);
  assert.equal((await plan("pro")).name, "Pro");
  assert.equal((await plan("pro")).archived, false);

  assert.equal((await getAs(t, stranger, `${base}/plans`)).status, 404);
  assert.equal((await postAs(t, stranger, `${base}/plans/pro/archived`, { archived: "true" })).status, 404);
  assert.equal(
    (await postAs(t, owner, `${base}/plans/pro/archived`, { archived: "true" }, null)).status,
    403,
  );
  assert.equal(
    (await postAs(t, owner, `${base}/plans/pro/archived`, { archived: "true" }, "x".repeat(64))).status,
    403,
  );
  assert.equal((await plan("pro")).archived, false);
  const anonymous = await getAs(t, null, `${base}/plans`);
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.get("location"), "/dashboard/login");
});

Deno.test("plans page — subscribers are counted in the project's current mode only", async () => {
  const other = await seedProject(t.db.sql, { name: "Modes" });
  await addDeveloperTo(t, other.id, owner.accountId, "owner");
  await asApp(
    t.db.sql,
    other.id,
    (tx) => createPlan(tx, other.id, { key: "pro", name: "Pro", price_idr: 5 }),
  );
  const sandboxUser = await seedUser(t.db.sql, other.id, "sandbox@example.com");
  await asApp(t.db.sql, other.id, (tx) => assignPlan(tx, other.id, sandboxUser, "pro", "dashboard"));
  const path = `/dashboard/projects/${other.id}/plans`;
  assert.match(rowOf(await (await getAs(t, owner, path)).text(), "pro"), /data-subscribers="1"/);
  await takeLive(t.db.sql, other.id);
  assert.match(rowOf(await (await getAs(t, owner, path)).text(), "pro"), /data-subscribers="0"/);
});

Deno.test("plans page — a plan's free trial in days; empty switches it off", async () => {
  const created = await postAs(
    t,
    owner,
    `${base}/plans`,
    form({ key: "trialled", name: "Trialled", trial_days: "14" }),
  );
  assert.equal(created.status, 303);
  assert.equal((await plan("trialled")).trial_days, 14);
  const page = await (await getAs(t, owner, `${base}/plans/trialled`)).text();
  assert.match(page, /name="trial_days"[^>]*value="14"/);
  const refused = await postAs(
    t,
    owner,
    `${base}/plans`,
    form({ key: "toolong", name: "Too long", trial_days: "400" }),
  );
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /trial_days must be a whole number of days from 0 to 365/);
});
