/**
 * Changing an organization's team plan from the next period (issue 28's leftover). On the organizations'
 * billing portal an admin schedules another team plan (the page shows it, in English and Indonesian) and
 * withdraws it; fewer seats than members, a plain member and another organization's admin are refused as
 * notices, and nothing changes. The Platform API (`GET|POST|DELETE /api/platform/organizations/{org}/plan-change`)
 * answers the same rules with readable 4xx.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listOrganizationPlanChanges } from "@/db/organization_plan_changes.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { formWith, organizationPortal } from "../helpers/organization_portal.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko", redirectUri: "https://toko.example/callback" });
const another = await seedProject(t.db.sql, { name: "Lain" });

const { api, paidTeam } = organizationPortal(t, project);

await api("POST", "/plans", { key: "studio", name: "Studio", price_idr: 30_000, interval: "month" });
await api("PUT", "/plans/studio/seats", { seat_pricing: "per_seat" });
await api("POST", "/plans", { key: "crew", name: "Crew", price_idr: 100_000, interval: "month" });
await api("PUT", "/plans/crew/seats", { seat_pricing: "flat", included_seats: 5 });
await api("POST", "/plans", { key: "duo", name: "Duo", price_idr: 50_000, interval: "month" });
await api("PUT", "/plans/duo/seats", { seat_pricing: "flat", included_seats: 2 });
await api("POST", "/plans", { key: "atelier", name: "Atelier", price_idr: 20_000, interval: "month" });
await api("PUT", "/plans/atelier/seats", { seat_pricing: "per_seat" });

const url = `/billing/organizations?client_id=${project.clientId}`;
const changes = (org: string) =>
  asApp(t.db.sql, project.id, (tx) => listOrganizationPlanChanges(tx, project.id, org));

Deno.test("organization billing portal — an admin changes the team plan from the next period, sees it (en, id) and withdraws it", async () => {
  const team = await paidTeam("kopi");
  const page = await (await team.admin.browser.get(url)).text();
  assert.match(page, /Change the plan from the next period/);
  assert.match(page, /The new plan starts on .+, with the next period/);
  const scheduled = await team.admin.browser.post(formWith(page, "data-change-form"), { plan: "crew" });
  assert.equal(scheduled.status, 303);
  assert.equal(scheduled.headers.get("location"), `${url}&notice=change_scheduled&lang=en`);
  const [change] = await changes(team.id);
  assert.deepEqual([change.to_plan, change.seats, change.status], ["crew", 5, "scheduled"]);
  assert.equal(
    (await api("GET", `/organizations/${team.id}`)).body.plan,
    "studio",
    "not before the period ends",
  );

  const after = await (await team.admin.browser.get(scheduled.headers.get("location")!)).text();
  assert.match(after, /data-notice="change_scheduled">Scheduled: the new plan starts with the next period\./);
  assert.match(after, /data-plan-change="crew"/);
  assert.match(after, /Scheduled: from .+, plan Crew with 5 seats \(the renewal charges its price\)\./);
  const indonesian = await (await team.owner.browser.get(`${url}&lang=id`)).text();
  assert.match(indonesian, /Ganti paket mulai periode berikutnya/);
  assert.match(indonesian, /Terjadwal: mulai .+, paket Crew dengan 5 kursi/);
  assert.match(indonesian, /Batalkan perubahan/);

  // Withdrawn from the Indonesian page: the answer stays in Indonesian.
  const withdrawn = await team.owner.browser.post(formWith(indonesian, "data-plan-change="), {});
  assert.match(withdrawn.headers.get("location")!, /notice=change_withdrawn&lang=id$/);
  const back = await (await team.owner.browser.get(withdrawn.headers.get("location")!)).text();
  assert.match(back, /data-notice="change_withdrawn">Dibatalkan: paket diperpanjang seperti sekarang\./);
  assert.doesNotMatch(back, /data-plan-change=/);
  assert.equal((await changes(team.id))[0].status, "canceled");
  // Again from the stale page (another admin withdrew it first): a notice, not an error page.
  const again = await team.admin.browser.post(formWith(after, "data-plan-change="), {});
  assert.match(again.headers.get("location")!, /notice=change_refused&lang=en$/);

  // A per-seat plan takes the seats chosen.
  const fresh = await (await team.admin.browser.get(url)).text();
  await team.admin.browser.post(formWith(fresh, "data-change-form"), { plan: "atelier", seats: "4" });
  assert.deepEqual((await changes(team.id)).map((c) => [c.to_plan, c.seats, c.status])[0], [
    "atelier",
    4,
    "scheduled",
  ]);
});

Deno.test("organization billing portal — fewer seats than members, a member and another organization's admin are refused", async () => {
  const team = await paidTeam("teh");
  const other = await paidTeam("susu");
  const page = await (await team.admin.browser.get(url)).text();
  const tooFew = await team.admin.browser.post(formWith(page, "data-change-form"), { plan: "duo" });
  assert.match(tooFew.headers.get("location")!, /notice=change_too_few_seats&lang=en$/);
  const notice = await (await team.admin.browser.get(tooFew.headers.get("location")!)).text();
  assert.match(notice, /Refused: the organization has more members than that plan would have seats\./);
  const fewSeats = await team.admin.browser.post(formWith(page, "data-change-form"), {
    plan: "crew",
    seats: "2",
  });
  assert.match(fewSeats.headers.get("location")!, /notice=change_scheduled/, "a flat plan's own seats");

  // Another organization's admin, with their own page's form (and CSRF token), naming this organization.
  const theirs = await (await other.admin.browser.get(url)).text();
  const foreign = await other.admin.browser.post(formWith(theirs, "data-change-form"), {
    organization: team.id,
    plan: "atelier",
  });
  assert.match(foreign.headers.get("location")!, /notice=not_admin&lang=en$/);
  const foreignWithdraw = await other.admin.browser.post(formWith(theirs, "data-change-form"), {
    organization: team.id,
    intent: "withdraw_change",
  });
  assert.match(foreignWithdraw.headers.get("location")!, /notice=not_admin/);

  // A plain member sees no organization; with a form of their own page (an organization they own, no plan).
  await api("POST", "/organizations", { name: "Sendiri", slug: "sendiri", owner: team.member.id });
  const mine = await (await team.member.browser.get(url)).text();
  assert.doesNotMatch(mine, /data-organization="teh"/);
  const member = await team.member.browser.post(mine, {
    organization: team.id,
    intent: "change_plan",
    plan: "atelier",
  });
  assert.match(member.headers.get("location")!, /notice=not_admin&lang=en$/);
  const memberWithdraw = await team.member.browser.post(mine, {
    organization: team.id,
    intent: "withdraw_change",
  });
  assert.match(memberWithdraw.headers.get("location")!, /notice=not_admin/);
  assert.deepEqual((await changes(team.id)).map((c) => [c.to_plan, c.status]), [["crew", "scheduled"]]);
  const refused = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where target = ${team.id} and action like 'organization.plan_change%'`;
  assert.equal(refused[0].n, 1, "only the admin's change was recorded");
});

Deno.test("POST|GET|DELETE /api/platform/organizations/{org}/plan-change — the app or an owner/admin; 400, 403, 404, 409 otherwise", async () => {
  const team = await paidTeam("jamu");
  const path = `/organizations/${team.id}/plan-change`;
  const member = await api("POST", path, { plan: "crew", user: team.member.id });
  assert.equal(member.status, 403);
  assert.equal(member.body.error_description, "Only an owner or admin of jamu can change its plan.");
  assert.equal((await api("POST", path, { plan: "crew", extra: 1 })).status, 400);
  assert.equal((await api("POST", path, { plan: "crew" }, another)).status, 404);
  const tooFew = await api("POST", path, { plan: "duo", user: team.admin.id });
  assert.equal(tooFew.status, 409);
  assert.match(
    tooFew.body.error_description,
    /^jamu has 3 members, more than the 2 seats it would have on plan Duo/,
  );
  assert.deepEqual(tooFew.body.fields, { seats: ["Fewer seats than members."] });
  const same = await api("POST", path, { plan: "studio" });
  assert.deepEqual([same.status, same.body.error_description], [409, "jamu already has plan studio."]);
  const flat = await api("POST", path, { plan: "crew", seats: 3 });
  assert.equal(flat.status, 400);
  const scheduled = await api("POST", path, { plan: "atelier", seats: 4, user: team.owner.id });
  assert.equal(scheduled.status, 201);
  assert.deepEqual(
    [scheduled.body.organization_id, scheduled.body.to_plan, scheduled.body.seats, scheduled.body.status],
    [team.id, "atelier", 4, "scheduled"],
  );
  const listed = await api("GET", path);
  assert.deepEqual(listed.body.changes.map((c: { to_plan: string }) => c.to_plan), ["atelier"]);
  // The organization's own answer carries the scheduled change, as a person's billing carries open_change.
  const organization = (await api("GET", `/organizations/${team.id}`)).body;
  assert.deepEqual(organization.open_change, scheduled.body);
  assert.equal(organization.open_change.effective_at, organization.plan_paid_through);
  const [inList] = (await api("GET", "/organizations?search=jamu")).body;
  assert.deepEqual(inList.open_change, scheduled.body);
  assert.equal((await api("DELETE", `${path}?user=${team.member.id}`)).status, 403);
  const withdrawn = await api("DELETE", path);
  assert.deepEqual([withdrawn.status, withdrawn.body.status], [200, "canceled"]);
  assert.equal((await api("GET", `/organizations/${team.id}`)).body.open_change, null);
  const again = await api("DELETE", path);
  assert.deepEqual([again.status, again.body.error_description], [
    409,
    "jamu has no scheduled plan change to withdraw.",
  ]);
  assert.equal((await api("GET", path, undefined, another)).status, 404);
});

Deno.test("organization billing portal — a plan change posted from another site or with another session's CSRF token changes nothing", async () => {
  const team = await paidTeam("gula");
  const page = await (await team.admin.browser.get(url)).text();
  const form = formWith(page, "data-change-form");
  const fields = new URLSearchParams({
    csrf: /name="csrf" value="([^"]+)"/.exec(form)![1],
    client_id: project.clientId,
    organization: team.id,
    intent: "change_plan",
    plan: "crew",
  });
  const crossSite = await t.app.request("/billing/organizations", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: team.admin.browser.header(),
      origin: "https://evil.example",
    },
    body: fields,
  });
  assert.equal(crossSite.status, 403);
  const forged = await team.admin.browser.post(
    form.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="x"'),
    {
      plan: "crew",
    },
  );
  assert.equal(forged.status, 403);
  assert.deepEqual(await changes(team.id), []);
});
