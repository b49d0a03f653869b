/**
 * Cancelling and resuming an organization's team plan (issue 28): through the Platform API (`POST|DELETE
 * /api/platform/organizations/{org}/plan-cancel`, as the app or for a named owner or admin) and from the
 * organizations' billing portal (an admin's cancel and resume buttons, the upcoming seat limit), with readable
 * 4xx for members, organizations without a paid plan and other projects.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { payCheckout } from "../helpers/paid_checkouts.ts";
import { organizationPortal } from "../helpers/organization_portal.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko", redirectUri: "https://toko.example/callback" });
const other = await seedProject(t.db.sql, { name: "Lain" });

const { api, paidTeam } = organizationPortal(t, project);

await api("POST", "/plans", { key: "studio", name: "Studio", price_idr: 30_000, interval: "month" });
await api("PUT", "/plans/studio/seats", { seat_pricing: "per_seat" });

Deno.test("POST|DELETE /api/platform/organizations/{org}/plan-cancel — the app or an owner/admin; 403, 409, 404 otherwise", async () => {
  const team = await paidTeam("kopi");
  const member = await api("POST", `/organizations/${team.id}/plan-cancel`, { user: team.member.id });
  assert.equal(member.status, 403);
  assert.equal(member.body.error_description, "Only an owner or admin of kopi can cancel its plan.");
  const bad = await api("POST", `/organizations/${team.id}/plan-cancel`, { user: "x", extra: 1 });
  assert.equal(bad.status, 400);
  const canceled = await api("POST", `/organizations/${team.id}/plan-cancel`, { user: team.admin.id });
  assert.equal(canceled.status, 200);
  assert.ok(canceled.body.plan_canceled_at);
  assert.equal(canceled.body.plan, "studio", "runs to the end of its period");
  const resumed = await api("DELETE", `/organizations/${team.id}/plan-cancel?user=${team.owner.id}`);
  assert.deepEqual([resumed.status, resumed.body.plan_canceled_at], [200, null]);
  const again = await api("DELETE", `/organizations/${team.id}/plan-cancel`);
  assert.equal(again.status, 409);
  assert.match(again.body.error_description, /no canceled team plan still running to resume/);
  assert.equal(
    (await api("POST", `/organizations/${team.id}/plan-cancel`, {})).status,
    200,
    "the app itself",
  );
  assert.equal((await api("POST", `/organizations/${team.id}/plan-cancel`, {}, other)).status, 404);
  const { body: free } = await api("POST", "/organizations", { name: "Gratis", slug: "gratis" });
  const none = await api("POST", `/organizations/${free.id}/plan-cancel`, {});
  assert.equal(none.status, 409);
  assert.equal(none.body.error_description, "Gratis has no running paid team plan to cancel.");
});

Deno.test("organization billing portal — an admin cancels and resumes; the page says when the plan ends and the next seat limit", async () => {
  const team = await paidTeam("teh");
  const url = `/billing/organizations?client_id=${project.clientId}`;
  const page = await (await team.admin.browser.get(url)).text();
  assert.match(page, /Cancel at the end of the period/);
  const canceled = await team.admin.browser.post(page, { client_id: project.clientId, intent: "cancel" });
  assert.equal(canceled.status, 303);
  assert.equal(canceled.headers.get("location"), `${url}&notice=plan_canceled&lang=en`);
  const after = await (await team.admin.browser.get(canceled.headers.get("location")!)).text();
  assert.match(after, /Canceled: the plan ends on .+ and is not renewed\./);
  assert.match(after, /data-notice="plan_canceled">Canceled: the plan ends at the end of the paid period/);
  assert.match(after, /Keep the plan \(resume renewals\)/);
  assert.ok((await api("GET", `/organizations/${team.id}`)).body.plan_canceled_at);
  assert.equal(
    (await team.admin.browser.post(after, { client_id: project.clientId, intent: "resume" })).status,
    303,
  );
  assert.equal((await api("GET", `/organizations/${team.id}`)).body.plan_canceled_at, null);

  // A plain member cannot cancel, even with a forged form.
  const forged = await team.member.browser.post(
    after.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="x"'),
    { client_id: project.clientId, intent: "cancel" },
  );
  assert.equal(forged.status, 403, "another session's CSRF token");
  assert.match(
    await forged.text(),
    /This form expired\. Please try again\./,
    "refused for the token",
  );
  assert.equal((await api("GET", `/organizations/${team.id}`)).body.plan_canceled_at, null);

  // Fewer seats paid for the next period: shown with the date they start.
  const { body: next } = await api("POST", `/organizations/${team.id}/checkout`, {
    user: team.owner.id,
    plan: "studio",
    seats: 3,
  });
  assert.equal(await payCheckout(t.db.sql, project.id, next.checkout_id, 90_000), "paid");
  await api("PATCH", `/organizations/${team.id}`, { seat_limit: 4 });
  const { body: fewer } = await api("POST", `/organizations/${team.id}/checkout`, {
    user: team.owner.id,
    plan: "studio",
    seats: 3,
  });
  assert.equal(await payCheckout(t.db.sql, project.id, fewer.checkout_id, 90_000), "paid");
  const seats = await (await team.admin.browser.get(url)).text();
  assert.match(seats, /3 of 4 seats taken\./);
  assert.match(seats, /From .+: 3 seats \(paid\)\./);
  const indonesian = await (await team.admin.browser.get(`${url}&lang=id`)).text();
  assert.match(indonesian, /Batalkan di akhir periode/);
  assert.match(indonesian, /kursi \(sudah dibayar\)/);
});

Deno.test("organization billing portal — forms keep the page's language through their redirects; refusals are notices, not errors", async () => {
  const team = await paidTeam("susu");
  const url = `/billing/organizations?client_id=${project.clientId}&lang=id`;
  const page = await (await team.admin.browser.get(url)).text();
  assert.match(page, /IDR 30\.000 \/ kursi/, "the price per seat in Indonesian");
  const canceled = await team.admin.browser.post(page, { intent: "cancel" });
  const location = new URL(canceled.headers.get("location")!, t.origin);
  assert.deepEqual([location.searchParams.get("lang"), location.searchParams.get("notice")], [
    "id",
    "plan_canceled",
  ]);
  const after = await (await team.admin.browser.get(location.pathname + location.search)).text();
  assert.match(after, /<html lang="id"/);
  assert.match(after, /Dibatalkan: paket berakhir di akhir periode yang sudah dibayar/);
  const resumed = await team.admin.browser.post(after, { intent: "resume" });
  assert.match(resumed.headers.get("location")!, /notice=plan_resumed&lang=id$/);
  // A second resume from the stale page (another admin resumed first): a notice in Indonesian, not an error page.
  const again = await team.admin.browser.post(after, { intent: "resume" });
  assert.equal(again.status, 303);
  const refused = await (await team.admin.browser.get(again.headers.get("location")!)).text();
  assert.match(refused, /data-notice="resume_refused">Ditolak: tidak ada paket yang dibatalkan/);

  // Buying: the checkout page opens in Indonesian; fewer seats than members is a notice on the portal.
  const buyForm = (html: string) =>
    html.slice(html.indexOf('<form method="post" action="/billing/organizations" class="stack">'));
  const bought = await team.admin.browser.post(buyForm(page), { plan: "studio", seats: "4" });
  assert.match(bought.headers.get("location")!, /^\/billing\/checkout\/chk_[a-z2-7]{24}\?lang=id$/);
  const checkout = await (await team.admin.browser.get(bought.headers.get("location")!)).text();
  assert.match(checkout, /<html lang="id"/);
  const tooFew = await team.admin.browser.post(buyForm(page), { plan: "studio", seats: "2" });
  assert.match(tooFew.headers.get("location")!, /notice=too_few_seats&lang=id$/);
  const notice = await (await team.admin.browser.get(tooFew.headers.get("location")!)).text();
  assert.match(notice, /Ditolak: anggota organisasi lebih banyak dari jumlah kursi ini/);

  // A member demoted after the page was loaded: refused, said on the page.
  await api("PATCH", `/organizations/${team.id}/members/${team.admin.id}`, { role: "member" });
  const demoted = await team.admin.browser.post(page, { intent: "cancel" });
  assert.match(demoted.headers.get("location")!, /notice=not_admin&lang=id$/);
  assert.equal((await api("GET", `/organizations/${team.id}`)).body.plan_canceled_at, null);
});
