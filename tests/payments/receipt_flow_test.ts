/**
 * Receipts end to end in the offline sandbox: the checkout API takes the buyer's NPWP, the simulator pays,
 * the worker applies the callback and issues the numbered receipt with its mail, and the printable page shows
 * the tax lines in English and Bahasa Indonesia. Also the ledger: what was paid is what the receipts say.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { listReceipts, setTaxSettings } from "@/db/receipts.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { postJson } from "../helpers/token_client.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp({ receiptLinks: true });

const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

/** Opens a QRIS checkout through the Platform API and has the simulator pay it; answers the receipt. */
async function payWithQris(shop: Shop, extra: Record<string, string> = {}) {
  const { res, body } = await postJson(
    t,
    "/api/platform/checkout",
    { user: shop.userId, plan: "pro", method: "qris", ...extra },
    { authorization: basic(shop.project.clientId, shop.project.secret) },
  );
  assert.equal(res.status, 201, JSON.stringify(body));
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === body.checkout_id
  )!;
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  return await waitFor(async () => {
    const receipts = await as(shop.project.id, (tx) => listReceipts(tx, shop.project.id));
    return receipts.find((r) => r.checkout_id === body.checkout_id);
  }, "the receipt");
}

Deno.test("receipts — paid through the sandbox: numbered receipt with PPN and NPWP, mail, page in en and id", async () => {
  const shop = await seedShop(t.db.sql, { email: "finance@example.com", price: 111_000 });
  const p = shop.project.id;
  await as(
    p,
    (tx) =>
      setTaxSettings(tx, p, { pkp: true, seller_name: "PT Toko Awan", seller_npwp: "0123456789012345" }),
  );
  const receipt = await payWithQris(shop, { buyer_name: "PT Pembeli", buyer_tax_id: "01.234.567.8-901.234" });
  assert.match(receipt.number, /^TEST-R-\d{4}-000001$/);
  assert.deepEqual(receipt.buyer.tax_id, "012345678901234");
  assert.deepEqual([receipt.price_before_tax_idr, receipt.tax_base_idr, receipt.ppn_idr], [
    100_000,
    91_667,
    11_000,
  ]);

  const mail = await waitFor(async () => {
    const mails = await as(p, (tx) => listMail(tx, p));
    return mails.find((m) => m.template === "receipt");
  }, "the receipt mail");
  assert.equal(mail.to, "finance@example.com");
  assert.match(mail.subject, new RegExp(receipt.number));
  assert.match(mail.text, /PPN 12 %: IDR 11\.000/);
  assert.match(mail.text, /Kuitansi Anda TEST-R-/);
  assert.ok(mail.text.includes(`${t.origin}/billing/receipts/${receipt.receipt_id}`));

  const en = await t.app.request(`/billing/receipts/${receipt.receipt_id}?lang=en`);
  assert.equal(en.status, 200);
  assert.equal(en.headers.get("cache-control"), "no-store");
  const enHtml = await en.text();
  for (
    const expected of [
      receipt.number,
      "PT Toko Awan",
      "NPWP: 0123456789012345",
      "NPWP / NIK: 012345678901234",
      "PT Pembeli",
      "Tax base (DPP) 11/12",
      "IDR 91.667",
      "PPN 12 %",
      "IDR 11.000",
      "Total paid",
      "IDR 111.000",
    ]
  ) assert.ok(enHtml.includes(expected), `the English page shows ${expected}`);
  const idHtml = await (await t.app.request(`/billing/receipts/${receipt.receipt_id}?lang=id`)).text();
  assert.ok(idHtml.includes("Kuitansi") && idHtml.includes("Dasar pengenaan pajak (DPP) 11/12"));
  assert.ok(idHtml.includes("Total dibayar"));
});

Deno.test("receipts — not a PKP: no PPN lines; bad NPWP refused before anything is opened; unknown ids 404", async () => {
  const shop = await seedShop(t.db.sql, { email: "small@example.com" });
  const bad = await postJson(
    t,
    "/api/platform/checkout",
    { user: shop.userId, plan: "pro", buyer_tax_id: "1234" },
    { authorization: basic(shop.project.clientId, shop.project.secret) },
  );
  assert.equal(bad.res.status, 400);
  assert.ok(bad.body.fields.buyer_tax_id);
  const receipt = await payWithQris(shop);
  assert.equal(receipt.pkp, false);
  const html = await (await t.app.request(`/billing/receipts/${receipt.receipt_id}`)).text();
  assert.ok(html.includes("not a PKP"));
  assert.ok(!html.includes("Tax base (DPP)"));
  for (const id of ["rcp_aaaaaaaaaaaaaaaaaaaaaaaa", "nope", "TEST-R-2026-000001"]) {
    const res = await t.app.request(`/billing/receipts/${id}?lang=id`, { headers: { accept: "text/html" } });
    assert.equal(res.status, 404, id);
    assert.match(await res.text(), /<html lang="id"/);
  }
});

Deno.test("receipts — the mail in the project's own words (mail texts), the amounts and link Astapa's", async () => {
  const shop = await seedShop(t.db.sql, { email: "own@example.com", price: 111_000 });
  const p = shop.project.id;
  const set = await t.app.request("/api/platform/mail-texts", {
    method: "PATCH",
    headers: {
      authorization: basic(shop.project.clientId, shop.project.secret),
      "content-type": "application/json",
    },
    body: JSON.stringify({
      mail_texts: {
        receipt: {
          en: {
            subject: "{app}: receipt {number}",
            intro: "Thanks for {plan}!",
            closing: "Questions? Reply here.",
          },
          id: { intro: "Terima kasih untuk {plan}!" },
        },
      },
    }),
  });
  assert.equal(set.status, 200, await set.text());
  const receipt = await payWithQris(shop);
  const mail = await waitFor(async () => {
    const mails = await as(p, (tx) => listMail(tx, p));
    return mails.find((m) => m.template === "receipt" && m.to === "own@example.com");
  }, "the receipt mail");
  const name = (await t.db.sql`select name from astapa.projects where id = ${p}`)[0].name;
  assert.equal(
    mail.subject,
    `${name}: receipt ${receipt.number} / Kuitansi ${receipt.number} untuk ${receipt.plan_name}`,
  );
  assert.match(mail.text, new RegExp(`^Thanks for ${receipt.plan_name}!\n`));
  assert.match(
    mail.text,
    /Total paid: IDR 111\.000\n.*\?lang=en\n\nQuestions\? Reply here\.\n\nTerima kasih untuk/,
  );
  assert.match(mail.text, /Total dibayar: IDR 111\.000\n.*\?lang=id\n$/);
  assert.ok(mail.html!.includes("<p>Questions? Reply here.</p>"));
});

Deno.test("receipts — the ledger: every rupiah paid is on exactly one receipt, numbers run without gaps", async () => {
  const shop = await seedShop(t.db.sql, { email: "ledger@example.com", price: 149_999 });
  const p = shop.project.id;
  await as(p, (tx) => setTaxSettings(tx, p, { pkp: true }));
  await Promise.all([0, 1, 2, 3].map(() => payWithQris(shop)));
  const [ledger] = await as(
    p,
    (tx) =>
      tx`select (select coalesce(sum(amount), 0)::bigint from astapa.payments where status = 'paid') as paid,
              (select coalesce(sum(amount), 0)::bigint from astapa.receipts) as receipted,
              (select coalesce(sum(price_before_tax_idr + ppn_idr), 0)::bigint from astapa.receipts) as split,
              (select array_agg(sequence order by sequence) from astapa.receipts) as numbers`,
  );
  assert.equal(Number(ledger.paid), 4 * 149_999);
  assert.equal(Number(ledger.receipted), Number(ledger.paid));
  assert.equal(Number(ledger.split), Number(ledger.paid));
  assert.deepEqual(ledger.numbers, [1, 2, 3, 4]);
});

Deno.test("receipts — Platform API: tax settings, list and one receipt; other projects see nothing", async () => {
  const shop = await seedShop(t.db.sql, { email: "api@example.com", price: 111_000 });
  const auth = { authorization: basic(shop.project.clientId, shop.project.secret) };
  const patch = (body: unknown) =>
    t.app.request("/api/platform/tax-settings", {
      method: "PATCH",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const set = await patch({ pkp: true, ppn_rate: 12, tax_base_numerator: 11, tax_base_denominator: 12 });
  assert.equal(set.status, 200);
  assert.equal((await set.json()).pkp, true);
  const bad = await patch({ ppn_rate: 150 });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error_description, /ppn_rate/);
  assert.equal((await patch({ vat: 1 })).status, 400);
  const got = await t.app.request("/api/platform/tax-settings", { headers: auth });
  assert.deepEqual((await got.json()).tax_base_numerator, 11);

  const receipt = await payWithQris(shop);
  assert.equal(receipt.ppn_idr, 11_000);
  const list = await t.app.request("/api/platform/receipts?limit=10", { headers: auth });
  assert.equal(list.status, 200);
  assert.deepEqual((await list.json()).receipts.map((r: { number: string }) => r.number), [receipt.number]);
  const one = await t.app.request(`/api/platform/receipts/${receipt.number}`, { headers: auth });
  assert.equal((await one.json()).receipt_id, receipt.receipt_id);
  const other = await seedShop(t.db.sql, { email: "api-other@example.com" });
  const foreign = await t.app.request(`/api/platform/receipts/${receipt.receipt_id}`, {
    headers: { authorization: basic(other.project.clientId, other.project.secret) },
  });
  assert.equal(foreign.status, 404);
  assert.equal((await t.app.request("/api/platform/receipts?limit=0", { headers: auth })).status, 400);
});

Deno.test("receipts — the hosted checkout's NPWP/NIK field: worded refusals, saved until the receipt, then fixed", async () => {
  const shop = await seedShop(t.db.sql, { email: "npwp-field@example.com" });
  const { body: opened } = await postJson(
    t,
    "/api/platform/checkout",
    { user: shop.userId, plan: "pro", method: "qris" },
    { authorization: basic(shop.project.clientId, shop.project.secret) },
  );
  const path = `/billing/checkout/${opened.checkout_id}`;
  const page = await t.app.request(`${path}?lang=id`);
  const html = await page.text();
  assert.match(html, /Kuitansi atas nama \(opsional\)/);
  const csrf = csrfOf(html);
  const cookie = page.headers.get("set-cookie")!.split(";")[0];
  const send = (fields: Record<string, string>, withCookie = true) =>
    t.app.request(`${path}/buyer`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(withCookie ? { cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
  assert.equal(
    (await send({ buyer_tax_id: "3171012345678901" }, false)).status,
    403,
    "a form needs its CSRF token",
  );
  const bad = await send({ csrf, buyer_tax_id: "12345" });
  assert.equal(bad.headers.get("location"), `${path}?buyer_error=invalid&lang=en`);
  assert.match(
    await (await t.app.request(`${path}?buyer_error=invalid&lang=id`)).text(),
    /NPWP terdiri dari/,
  );
  const saved = await send({ csrf, buyer_name: "PT Kopi Senja", buyer_tax_id: "01.234.567.8-901.000" });
  assert.equal(saved.headers.get("location"), `${path}?buyer=saved&lang=en`);
  const shown = await (await t.app.request(`${path}?buyer=saved`)).text();
  assert.match(shown, /value="PT Kopi Senja"/);
  assert.match(shown, /value="012345678901000"/);

  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === opened.checkout_id
  )!;
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  const receipt = await waitFor(async () => {
    const receipts = await as(shop.project.id, (tx) => listReceipts(tx, shop.project.id));
    return receipts.find((r) => r.checkout_id === opened.checkout_id);
  }, "the receipt");
  assert.deepEqual(receipt.buyer, {
    email: "npwp-field@example.com",
    name: "PT Kopi Senja",
    tax_id: "012345678901000",
  });
  const late = await send({ csrf, buyer_tax_id: "3171012345678901" });
  assert.equal(late.headers.get("location"), `${path}?buyer_error=fixed&lang=en`);
  const json = await t.app.request(`${path}/buyer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ buyer_tax_id: "3171012345678901" }),
  });
  assert.equal(json.status, 409, "an issued receipt is never rewritten");
});
