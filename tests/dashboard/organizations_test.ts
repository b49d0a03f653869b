/** The dashboard's Organizations page over HTTP: organizations with members and open invitations; admins create. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { cancelOrganizationPlanChange, changeOrganizationPlan } from "@/db/organization_plan_changes.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Kopi" });
const other = await seedProject(t.db.sql, { name: "Teh" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

Deno.test("organizations page — lists organizations, members and open invitations; admins create, viewers read", async () => {
  const ayu = await seedUser(t.db.sql, project.id, "ayu@kopi.example");
  await asApp(t.db.sql, project.id, async (tx) => {
    const [org] = await tx`select api.create_organization('Kedai Ayu', 'kedai', ${ayu}) ->> 'id' as id`;
    await tx`select api.invite_to_organization(${org.id}, 'budi@kopi.example', 'admin', ${await sha256(
      "t1",
    )})`;
  });
  await asApp(t.db.sql, other.id, (tx) => tx`select api.create_organization('Elsewhere', 'elsewhere')`);
  const page = await getAs(t, viewer, `${base}/organizations`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<h1>Organizations<\/h1>/);
  assert.match(html, /Kedai Ayu/);
  assert.match(html, /ayu@kopi\.example · owner/);
  assert.match(html, /budi@kopi\.example · admin/);
  assert.doesNotMatch(html, /Elsewhere/, "another project's organizations are not listed");
  assert.doesNotMatch(html, /Create organization/, "viewers do not get the form");
  assert.equal(
    (await postAs(t, viewer, `${base}/organizations`, { name: "Nope", slug: "nope" })).status,
    403,
  );
  const created = await postAs(t, owner, `${base}/organizations`, { name: "Gerai Baru", slug: "gerai" });
  assert.equal(created.status, 303);
  assert.equal(created.headers.get("location"), `${base}/organizations?done=created`);
  const refused = await postAs(t, owner, `${base}/organizations`, { name: "Again", slug: "gerai" });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /has the slug gerai/);
  assert.match(await (await getAs(t, owner, `${base}/organizations`)).text(), /Gerai Baru/);
});

Deno.test("organizations page — an organization's team plan, until when it is paid (or when it ends, canceled), and its seats taken", async () => {
  const boss = await seedUser(t.db.sql, project.id, "boss@kopi.example");
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_plan(${project.id}, '{"key": "business", "name": "Business", "price_idr": 45000}')`;
    const [org] = await tx`select api.create_organization('Kopi Tim', 'kopi-tim', ${boss}) ->> 'id' as id`;
    await tx`select api.set_plan_seats(${project.id}, 'business', 'per_seat')`;
    await tx`select api.update_organization(${org.id}, '{"plan": "business", "seat_limit": 4}')`;
    await tx`update astapa.organizations set plan_paid_through = '2031-05-06T00:00:00Z' where id = ${org.id}`;
  });
  const html = await (await getAs(t, viewer, `${base}/organizations`)).text();
  const row = html.match(/<tr data-organization="kopi-tim">[\s\S]*?<\/tr>/)?.[0] ?? "";
  assert.match(row, /<code>business<\/code>/);
  assert.match(row, /paid through 2031-05-06/);
  assert.match(row, /1 of 4 taken/);
  // Canceled by an owner: the plan ends then instead of renewing.
  await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`update astapa.organizations set plan_canceled_at = now() where slug = 'kopi-tim'`,
  );
  const canceled = (await (await getAs(t, viewer, `${base}/organizations`)).text())
    .match(/<tr data-organization="kopi-tim">[\s\S]*?<\/tr>/)?.[0] ?? "";
  assert.match(canceled, /canceled, ends 2031-05-06/);
  const plain = html.match(/<tr data-organization="kedai">[\s\S]*?<\/tr>/)?.[0] ?? "";
  assert.match(plain, /<span class="muted">none<\/span>[\s\S]*no limit/);
});

Deno.test("organizations page — the team plan change scheduled for the next period: plan, seats and from when; gone once withdrawn", async () => {
  const boss = await seedUser(t.db.sql, project.id, "lead@kopi.example");
  const org = await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_plan(${project.id}, '{"key": "pax", "name": "Pax", "price_idr": 40000}')`;
    await tx`select api.create_plan(${project.id}, '{"key": "squad", "name": "Squad", "price_idr": 150000}')`;
    await tx`select api.set_plan_seats(${project.id}, 'pax', 'per_seat')`;
    await tx`select api.set_plan_seats(${project.id}, 'squad', 'flat', 6)`;
    const [{ id }] = await tx`select api.create_organization('Roastery', 'roastery', ${boss}) ->> 'id' as id`;
    await tx`select api.update_organization(${id}, '{"plan": "pax", "seat_limit": 2}')`;
    // Paid through a later day, as a paid checkout leaves it: a plan change needs a running paid period.
    await tx`update astapa.organizations set plan_paid_through = '2031-07-08T00:00:00Z' where id = ${id}`;
    return id as string;
  });
  const row = async () =>
    (await (await getAs(t, viewer, `${base}/organizations`)).text())
      .match(/<tr data-organization="roastery">[\s\S]*?<\/tr>/)?.[0] ?? "";
  assert.doesNotMatch(await row(), /scheduled:/, "nothing scheduled yet");
  await asApp(t.db.sql, project.id, (tx) => changeOrganizationPlan(tx, project.id, org, boss, "squad"));
  assert.match(
    await row(),
    /data-plan-change="squad">scheduled: from 2031-07-08, Squad <code>squad<\/code> with 6 seats</,
  );
  await asApp(t.db.sql, project.id, (tx) => cancelOrganizationPlanChange(tx, project.id, org, null));
  assert.doesNotMatch(await row(), /data-plan-change=/, "a withdrawn change is not shown");
});

Deno.test("organizations page — an admin sets a team plan on an organization; a personal plan is refused with its reason", async () => {
  const [org] = await asApp(
    t.db.sql,
    project.id,
    async (tx) => {
      await tx`select api.create_plan(${project.id}, '{"key": "solo", "name": "Solo", "price_idr": 10000}')`;
      await tx`select api.create_plan(${project.id}, '{"key": "tim", "name": "Tim", "price_idr": 30000}')`;
      await tx`select api.set_plan_seats(${project.id}, 'tim', 'per_seat')`;
      return await tx`select api.create_organization('Warung Tim', 'warung-tim') ->> 'id' as id`;
    },
  );
  const html = await (await getAs(t, owner, `${base}/organizations`)).text();
  const form = html.slice(html.indexOf('data-organization="warung-tim"'));
  assert.match(form, /<option value="tim">Tim<\/option>/, "team plans are the choices");
  assert.doesNotMatch(form.slice(0, form.indexOf("</tr>")), /value="solo"/, "a personal plan is not offered");
  const personal = await postAs(t, owner, `${base}/organizations/plan`, {
    organization: org.id,
    plan: "solo",
  });
  assert.equal(personal.status, 422);
  assert.match(await personal.text(), /Plan solo is a personal plan: an organization takes a team plan/);
  assert.equal(
    (await postAs(t, viewer, `${base}/organizations/plan`, { organization: org.id, plan: "tim" })).status,
    403,
  );
  const set = await postAs(t, owner, `${base}/organizations/plan`, { organization: org.id, plan: "tim" });
  assert.equal(set.status, 303);
  assert.equal(set.headers.get("location"), `${base}/organizations?done=plan_set`);
  const [row] = await t.db.sql`select plan_key from astapa.organizations where id = ${org.id}`;
  assert.equal(row.plan_key, "tim");
  const cleared = await postAs(t, owner, `${base}/organizations/plan`, { organization: org.id, plan: "" });
  assert.equal(cleared.status, 303);
  const [after] = await t.db.sql`select plan_key from astapa.organizations where id = ${org.id}`;
  assert.equal(after.plan_key, null);
});
