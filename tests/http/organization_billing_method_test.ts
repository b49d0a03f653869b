/**
 * Choosing the linked method that pays an organization's team plan renewals, on the organization billing portal
 * (`POST /billing/organizations`, issue 23): an owner or admin picks one of their own active linked methods or
 * none, with a plain form (CSRF, no JavaScript), and sees the chosen one's masked label; a member, another
 * person's method, an inactive one and another project's organization are refused with a readable notice. The
 * chosen method's unlink under way is said (en, id), and the method is not offered meanwhile.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  applyMethodCallback,
  cancelMethodUnlink,
  recordMethodLinkAnswer,
  requestMethodUnlink,
  startMethodLink,
  unlinkMethod,
} from "@/db/linked_methods.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import type { FormBrowser } from "../helpers/form_browser.ts";
import { formWith, organizationPortal } from "../helpers/organization_portal.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko", redirectUri: "https://toko.example/callback" });
const other = await seedProject(t.db.sql, { name: "Lain" });
const url = `/billing/organizations?client_id=${project.clientId}`;

const { api, signUp } = organizationPortal(t, project);

/** Links an active DANA for `userId` through the simulator; answers its public id. */
async function linkDana(userId: string): Promise<string> {
  return await asApp(t.db.sql, project.id, async (tx) => {
    await updateProjectSettings(tx, project.id, { linked_methods: { enabled: true } });
    const method = await startMethodLink(tx, project.id, userId, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    const providerId = `pm-${crypto.randomUUID()}`;
    await recordMethodLinkAnswer(tx, project.id, method.method_id, { provider_id: providerId });
    await applyMethodCallback(tx, project.id, method.method_id, {
      event: "payment_method.activated",
      provider_id: providerId,
    });
    return method.method_id;
  });
}

/** The chosen method as the Platform API's database sees it. */
async function chosen(org: string) {
  const [row] = await t.db.sql`
    select (select m.public_id from astapa.linked_methods as m
            where m.project_id = o.project_id and m.id = o.billing_method_id) as method
    from astapa.organizations as o where o.id = ${org}`;
  return row.method as string | null;
}

/** The page from its method form on, so the form browser posts that form (not the cancel or buy one). */
const methodForm = (html: string) => formWith(html, "data-method-form");

/** Posts the method form of `html` and follows the redirect: the notice the page then shows. */
async function choose(browser: FormBrowser, html: string, fields: Record<string, string>) {
  const res = await browser.post(methodForm(html), fields);
  assert.equal(res.status, 303, "a form's answer is a redirect back, never an error page");
  const location = res.headers.get("location")!;
  assert.ok(location.startsWith("/billing/organizations?"), location);
  const page = await (await browser.get(location)).text();
  return { notice: new URL(location, "http://x").searchParams.get("notice"), page };
}

await api("POST", "/plans", { key: "studio", name: "Studio", price_idr: 30_000, interval: "month" });
await api("PUT", "/plans/studio/seats", { seat_pricing: "per_seat" });

const owner = await signUp("owner@kopi.example");
const admin = await signUp("admin@kopi.example");
const member = await signUp("member@kopi.example");
const { body: org } = await api("POST", "/organizations", { name: "Kopi", slug: "kopi", owner: owner.id });
await api("POST", `/organizations/${org.id}/members`, { user_id: admin.id, role: "admin" });
await api("POST", `/organizations/${org.id}/members`, { user_id: member.id, role: "member" });
/** The admin's DANA (one per person and channel): chosen in the first test, unlinked in the second. */
const adminMethod = await linkDana(admin.id);

Deno.test("organization billing portal — an admin chooses their own linked method and clears it; owners see whose it is", async () => {
  const method = adminMethod;
  const page = await (await admin.browser.get(url)).text();
  assert.match(page, /Pay renewals with a linked method/);
  assert.match(page, /No linked method is chosen: renewals are sent as pay links by email\./);
  assert.match(page, new RegExp(`value="${method}"`), "the admin's own active method is offered");

  const set = await choose(admin.browser, page, { method });
  assert.equal(set.notice, "method_set");
  assert.match(set.page, /Saved: renewals are charged to the chosen method\./);
  assert.match(set.page, /Renewals are charged to DANA \(yours\)\./);
  assert.match(set.page, new RegExp(`data-billing-method="${method}"`));
  assert.equal(await chosen(org.id), method);

  // The owner sees the admin's choice (its masked label), and is not offered the admin's method.
  const ownerPage = await (await owner.browser.get(url)).text();
  assert.match(
    ownerPage,
    /Renewals are charged to DANA \(another owner(?:'|&#39;)s or admin(?:'|&#39;)s\)\./,
  );
  assert.doesNotMatch(ownerPage, new RegExp(`value="${method}"`));
  assert.match(ownerPage, /You have no active linked method\./);
  const inIndonesian = await (await owner.browser.get(`${url}&lang=id`)).text();
  assert.match(inIndonesian, /Perpanjangan ditagihkan ke DANA \(milik pemilik atau admin lain\)\./);

  // The admin's unlink of it has not finished (Xendit gave no answer): said, and not offered meanwhile.
  const marked = await asApp(
    t.db.sql,
    project.id,
    (tx) => requestMethodUnlink(tx, project.id, admin.id, method),
  );
  assert.match(
    await (await owner.browser.get(url)).text(),
    /It is being unlinked: renewals are sent as pay links meanwhile\./,
  );
  assert.match(
    await (await owner.browser.get(`${url}&lang=id`)).text(),
    /Metode ini sedang dilepaskan: sementara itu perpanjangan dikirim sebagai tautan pembayaran\./,
  );
  assert.doesNotMatch(await (await admin.browser.get(url)).text(), new RegExp(`value="${method}"`));
  // Xendit refused the unlink: linked, chosen and charged as before.
  await asApp(
    t.db.sql,
    project.id,
    (tx) => cancelMethodUnlink(tx, project.id, admin.id, method, marked.unlink_requested_at!),
  );
  assert.doesNotMatch(await (await owner.browser.get(url)).text(), /being unlinked/);

  const cleared = await choose(owner.browser, inIndonesian, { method: "none" });
  assert.equal(cleared.notice, "method_cleared");
  assert.match(cleared.page, /Tersimpan: perpanjangan dikirim sebagai tautan pembayaran\./, "answered in id");
  assert.match(cleared.page, /Belum ada metode tertaut yang dipilih/);
  assert.equal(await chosen(org.id), null);
});

Deno.test("organization billing portal — a member, another person's method, an inactive one and another project's organization are refused", async () => {
  const ownerMethod = await linkDana(owner.id);
  const page = await (await admin.browser.get(url)).text();

  const notYours = await choose(admin.browser, page, { method: ownerMethod });
  assert.equal(notYours.notice, "method_not_yours");
  assert.match(notYours.page, /Refused: you can only choose one of your own linked methods\./);

  const memberMethod = await linkDana(member.id);
  const memberPage = await (await member.browser.get(url)).text();
  assert.doesNotMatch(memberPage, /data-method-form/, "a member is shown no organization to pay for");
  // Even with the admin's form and the member's own CSRF token, SQL refuses a member.
  const memberCsrf = [...member.browser.cookies].find(([name]) => name.endsWith("astapa_csrf"))![1];
  const forged = page.replaceAll(/name="csrf" value="[^"]*"/g, `name="csrf" value="${memberCsrf}"`);
  const asMember = await choose(member.browser, forged, { method: memberMethod });
  assert.equal(asMember.notice, "method_not_admin");
  assert.match(asMember.page, /Refused: only an owner or admin of this organization chooses how it pays\./);

  await asApp(t.db.sql, project.id, (tx) => unlinkMethod(tx, project.id, admin.id, adminMethod));
  const inactive = await choose(admin.browser, page, { method: adminMethod });
  assert.equal(inactive.notice, "method_not_active");
  assert.match(inactive.page, /Refused: this method is not active\. Link it again first\./);
  assert.doesNotMatch(
    inactive.page,
    new RegExp(`value="${adminMethod}"`),
    "an unlinked method is not offered",
  );

  const { body: elsewhere } = await api("POST", "/organizations", { name: "Lain", slug: "lain" }, other);
  const otherProject = await choose(admin.browser, page.replaceAll(org.id, elsewhere.id), {
    method: "none",
  });
  assert.equal(otherProject.notice, "method_not_admin");
  assert.equal(await chosen(org.id), null, "nothing was chosen by any refused form");

  const stale = await admin.browser.post(
    methodForm(page).replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="x"'),
    { method: "none" },
  );
  assert.equal(stale.status, 403, "a form without this browser's CSRF token");
  assert.match(await stale.text(), /This form expired\. Please try again\./);
});

Deno.test("Platform API — an organization's chosen renewal method and charges are read, and stopped (never chosen) by the project", async () => {
  const ownerMethod = await asApp(
    t.db.sql,
    project.id,
    async (tx) =>
      (await tx`select public_id from astapa.linked_methods where user_id = ${owner.id} and status = 'active'`)[
        0
      ]
        ?.public_id as string | undefined,
  ) ?? await linkDana(owner.id);
  const page = await (await owner.browser.get(url)).text();
  assert.equal((await choose(owner.browser, page, { method: ownerMethod })).notice, "method_set");

  const read = await api("GET", `/organizations/${org.id}/billing`);
  assert.equal(read.status, 200);
  assert.deepEqual(
    [read.body.organization_id, read.body.billing_method?.method_id, read.body.billing_method?.sub],
    [org.id, ownerMethod, owner.id],
  );
  assert.deepEqual([read.body.billing_method.label, read.body.billing_method.charged], ["DANA", true]);
  assert.deepEqual(read.body.renewal_charges, []);
  assert.equal(
    (await api("GET", "/organizations/kopi/billing?limit=5")).body.organization_id,
    org.id,
    "by slug",
  );
  assert.equal((await api("GET", `/organizations/${org.id}/billing?limit=0`)).status, 400);
  assert.equal((await api("GET", `/organizations/${org.id}/billing`, undefined, other)).status, 404);
  assert.equal(
    (await api("DELETE", `/organizations/${org.id}/billing-method`, undefined, other)).status,
    404,
  );
  assert.equal(await chosen(org.id), ownerMethod, "another project changed nothing");

  const stopped = await api("DELETE", `/organizations/${org.id}/billing-method`);
  assert.equal(stopped.status, 200);
  assert.deepEqual([stopped.body.cleared, stopped.body.method_id], [ownerMethod, null]);
  assert.equal(await chosen(org.id), null);
  assert.equal((await api("DELETE", `/organizations/${org.id}/billing-method`)).body.cleared, null, "again");
  assert.equal((await api("GET", `/organizations/${org.id}/billing`)).body.billing_method, null);
  // Choosing is not offered on the API: the chooser pays.
  assert.equal(
    (await api("PUT", `/organizations/${org.id}/billing-method`, { method_id: ownerMethod })).status,
    405,
  );
  const [audit] = await t.db.sql`
    select count(*)::int as n from astapa.audit_log
    where project_id = ${project.id} and action = 'organization.billing_method_set' and details ->> 'cleared' = ${ownerMethod}`;
  assert.equal(audit.n, 1);
});
