/**
 * Team plans through the Platform API (issue 28 item 3): a plan made per seat or flat, an organization's checkout
 * opened for an owner or admin (readable 4xx for everyone else), paying sets the organization's plan and seat
 * limit, and an invitation past the paid seats is refused with a sentence saying what to do.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { applyPaymentEvent, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { platformApi } from "../helpers/platform_api.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko", redirectUri: "https://toko.example/callback" });

const api = platformApi(t, project);

/** Pays a checkout as the Xendit callback does: its charge, a SUCCEEDED event, the worker applying it. */
async function pay(checkoutId: string, amount: number) {
  await asApp(t.db.sql, project.id, async (tx) => {
    await recordPayment(tx, project.id, checkoutId, {
      kind: "payment_request",
      provider_id: `pr-${checkoutId}`,
      method: "qris",
      details: {},
      expires_at: null,
    });
    await recordPaymentEvent(tx, project.id, {
      providerId: `pr-${checkoutId}`,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, status: "SUCCEEDED" } },
    });
  });
  assert.equal(
    (await asApp(t.db.sql, project.id, (tx) => applyPaymentEvent(tx, project.id)))?.outcome,
    "paid",
  );
}

Deno.test("team plans API — per-seat plan, an admin's checkout, paying sets plan and seats; the next invitation is refused", async () => {
  assert.equal(
    (await api("POST", "/plans", { key: "business", name: "Business", price_idr: 40_000, interval: "month" }))
      .status,
    201,
  );
  const seats = await api("PUT", "/plans/business/seats", { seat_pricing: "per_seat" });
  assert.deepEqual([seats.status, seats.body.seat_pricing, seats.body.included_seats], [
    200,
    "per_seat",
    null,
  ]);
  assert.equal((await api("GET", "/plans/business")).body.seat_pricing, "per_seat");
  const owner = await seedUser(t.db.sql, project.id, "owner@biz.example");
  const admin = await seedUser(t.db.sql, project.id, "admin@biz.example");
  const member = await seedUser(t.db.sql, project.id, "member@biz.example");
  const { body: org } = await api("POST", "/organizations", { name: "Biz", slug: "biz", owner });
  await api("POST", `/organizations/${org.id}/members`, { user_id: admin, role: "admin" });
  await api("POST", `/organizations/${org.id}/members`, { user_id: member, role: "member" });

  const opened = await api("POST", "/organizations/biz/checkout", {
    user: admin,
    plan: "business",
    seats: 3,
    success_url: "https://toko.example/team",
  });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  assert.deepEqual([opened.body.amount, opened.body.seats, opened.body.organization_id], [
    120_000,
    3,
    org.id,
  ]);
  assert.match(opened.body.checkout_url, /\/billing\/checkout\/chk_[a-z2-7]{24}$/);

  const byMember = await api("POST", "/organizations/biz/checkout", {
    user: member,
    plan: "business",
    seats: 3,
  });
  assert.equal(byMember.status, 403);
  assert.match(byMember.body.error_description, /Only an owner or admin of Biz can pay/);
  const tooFew = await api("POST", "/organizations/biz/checkout", {
    user: owner,
    plan: "business",
    seats: 2,
  });
  assert.equal(tooFew.status, 409);
  assert.match(tooFew.body.error_description, /3 members, more than the 2 seats/);
  assert.equal(
    (await api("POST", "/organizations/nope/checkout", { user: owner, plan: "business" })).status,
    404,
  );
  assert.equal(
    (await api("POST", "/organizations/biz/checkout", { user: owner, plan: "business" })).status,
    400,
  );
  assert.equal((await api("POST", "/organizations/biz/checkout", { user: owner, seats: -1 })).status, 400);
  assert.equal((await api("PUT", "/plans/business/seats", { seat_pricing: "flat" })).status, 400);
  assert.equal((await api("PUT", "/plans/gold/seats", { seat_pricing: "per_seat" })).status, 404);

  await pay(opened.body.checkout_id, 120_000);
  const paid = await api("GET", "/organizations/biz");
  assert.deepEqual([paid.body.plan, paid.body.seat_limit], ["business", 3]);
  assert.ok(Date.parse(paid.body.plan_paid_through) > Date.now());
  // The receipt is made out to the organization and says which admin paid, on the page in en and id.
  const receipt = (await api("GET", "/receipts")).body.receipts
    .find((r: { checkout_id: string }) => r.checkout_id === opened.body.checkout_id);
  assert.deepEqual([receipt.organization, receipt.buyer.email], [
    { id: org.id, name: "Biz" },
    "admin@biz.example",
  ]);
  for (
    const [lang, billed, paidBy] of [["en", "Billed to", "Paid by"], [
      "id",
      "Ditagihkan kepada",
      "Dibayar oleh",
    ]]
  ) {
    const printable = await (await t.app.request(`/billing/receipts/${receipt.receipt_id}?lang=${lang}`))
      .text();
    assert.match(
      printable,
      new RegExp(
        `<dt>${billed}</dt><dd data-buyer="true"><strong data-organization="true">Biz</strong></dd>`,
      ),
    );
    assert.match(printable, new RegExp(`<dt>${paidBy}</dt><dd data-paid-by="true">admin@biz.example</dd>`));
  }
  const full = await api("POST", `/organizations/${org.id}/invitations`, {
    email: "fourth@biz.example",
    accept_url: "https://toko.example/join",
  });
  assert.equal(full.status, 409);
  assert.match(full.body.error_description, /all of its 3 seats taken .* move to a plan with more seats/);

  const more = await api("POST", "/organizations/biz/checkout", { user: owner, plan: "business", seats: 4 });
  assert.equal(more.body.seats_from, 3, "adding a seat mid-period");
  const checkoutPage = await t.app.request(`/billing/checkout/${more.body.checkout_id}`, {
    headers: { "accept-language": "id-ID,id;q=0.9" },
  });
  assert.equal(checkoutPage.status, 200);
  assert.match(
    await checkoutPage.text(),
    /<p class="team">Untuk Biz · dari 3 menjadi 4 kursi, untuk sisa periode yang sudah dibayar<\/p>/,
  );
  assert.ok(
    more.body.amount <= 40_000 && more.body.amount > 35_000,
    `about one seat's month: ${more.body.amount}`,
  );
});

Deno.test("organization billing portal — an admin sees the team plan and seats and pays for more; a plain member sees none; signed out goes through the login", async () => {
  const signedOut = await t.app.request(`/billing/organizations?client_id=${project.clientId}`);
  assert.equal(signedOut.status, 303);
  assert.equal(
    new URL(signedOut.headers.get("location")!, t.origin).searchParams.get("state"),
    `organizations.${project.clientId}`,
  );
  const back = await t.app.request(`/billing/callback?code=x&state=organizations.${project.clientId}`);
  assert.equal(back.headers.get("location"), `/billing/organizations?client_id=${project.clientId}`);

  await api("POST", "/plans", { key: "studio", name: "Studio", price_idr: 30_000, interval: "month" });
  await api("PUT", "/plans/studio/seats", { seat_pricing: "per_seat" });
  const signUp = async (email: string) => {
    const browser = new FormBrowser(t);
    const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
    await browser.submit(`/auth/signup?${query}`, { email, password: "correct horse battery" });
    const [{ id }] = await t.db.sql`select id::text from astapa.users where email = ${email}`;
    return { browser, id: id as string };
  };
  const admin = await signUp("lead@portal.example");
  const plain = await signUp("staff@portal.example");
  const { body: org } = await api("POST", "/organizations", {
    name: "Studio Kita",
    slug: "studio-kita",
    owner: admin.id,
  });
  await api("POST", `/organizations/${org.id}/members`, { user_id: plain.id, role: "member" });

  const page = await admin.browser.get(`/billing/organizations?client_id=${project.clientId}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<h2>Studio Kita<\/h2>/);
  assert.match(html, /No team plan yet\./);
  assert.match(html, /2 members, no seat limit\./);
  const bought = await admin.browser.post(html, { client_id: project.clientId, plan: "studio", seats: "3" });
  assert.equal(bought.status, 303);
  // The checkout page, in the portal's language (?lang=en).
  const checkoutId = new URL(bought.headers.get("location")!, t.origin).pathname.split("/").pop()!;
  const { body: checkout } = await api("GET", `/organizations/${org.id}`);
  assert.equal(checkout.plan, null, "not before paying");
  await pay(checkoutId, 90_000);
  const after = await (await admin.browser.get(`/billing/organizations?client_id=${project.clientId}`))
    .text();
  assert.match(after, /Plan: Studio/);
  assert.match(after, /2 of 3 seats taken\./);
  assert.match(after, /3 seats · IDR/);

  const member = await (await plain.browser.get(`/billing/organizations?client_id=${project.clientId}`))
    .text();
  assert.match(member, /You are not an owner or admin of any organization in this app\./);
  assert.doesNotMatch(member, /Studio Kita/);
  const forged = await plain.browser.post(
    html.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="x"'),
    {
      plan: "studio",
      seats: "3",
    },
  );
  // Refused for its CSRF token (the form is otherwise whole: client_id, plan, seats).
  assert.equal(forged.status, 403, "a form with another CSRF token is refused");
  assert.match(await forged.text(), /This form expired\. Please try again\./);
});
