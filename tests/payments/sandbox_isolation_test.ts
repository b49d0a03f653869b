/**
 * The offline sandbox's simulator (issue 17 item 9): no shared key. Each project has its own generated key,
 * which sees and pays only that project's charges; the old public constant is refused; an invoice someone
 * pre-created under a checkout's external_id with other terms is never adopted.
 */
import assert from "node:assert/strict";
import { sandboxKeys } from "@/lib/payments/sandbox_accounts.ts";
import { testApp } from "../helpers/app.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { postJson } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());

const sim = `${t.origin}/sandbox/xendit`;
const keyAuth = (key: string) => ({ authorization: `Basic ${btoa(`${key}:`)}` });
const keyOf = async (shop: Shop) => (await sandboxKeys(t.deps, shop.project.id)).secretKey;

async function checkout(shop: Shop, body: Record<string, string>) {
  const { res, body: answer } = await postJson(t, "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    ...body,
  }, { authorization: basic(shop.project.clientId, shop.project.secret) });
  assert.equal(res.status, 201, JSON.stringify(answer));
  return answer;
}

Deno.test("sandbox simulator — the old public key is refused; a project's key sees only its own charges", async () => {
  const victim = await seedShop(t.db.sql, { email: "victim@example.com" });
  const attacker = await seedShop(t.db.sql, { email: "attacker@example.com" });
  const invoice = await checkout(victim, { method: "gopay", success_url: "https://shop.example/thanks" });
  const qris = await checkout(victim, { method: "qris" });
  const invoiceId = invoice.payment.invoice_url.split("/").at(-1);
  const prId =
    [...t.deps.xenditSandbox.paymentRequests.values()].find((p) => p.referenceId === qris.checkout_id)!.id;

  const old = await fetch(`${sim}/v2/invoices`, {
    headers: keyAuth("xnd_development_astapa_offline_sandbox"),
  });
  assert.equal(old.status, 401);
  await old.body?.cancel();

  const attackerKey = await keyOf(attacker);
  assert.notEqual(attackerKey, await keyOf(victim), "every project has its own key");
  const listed = await (await fetch(`${sim}/v2/invoices`, { headers: keyAuth(attackerKey) })).json();
  assert.deepEqual(listed, [], "the attacker's key lists none of the victim's invoices (nor payer emails)");
  for (
    const [method, path] of [
      ["GET", `/v2/invoices/${invoiceId}`],
      ["POST", `/_simulator/invoices/${invoiceId}/pay`],
      ["POST", `/invoices/${invoiceId}/expire!`],
      ["POST", `/_simulator/payment_requests/${prId}/pay`],
      ["POST", `/payment_requests/${prId}/payments/simulate`],
      ["GET", `/payment_requests/${prId}`],
    ]
  ) {
    const res = await fetch(`${sim}${path}`, { method, headers: keyAuth(attackerKey) });
    assert.equal(res.status, 404, `${method} ${path}`);
    await res.body?.cancel();
  }
  // The victim's own key still works (developers and xendit-node use it).
  const own = await (await fetch(`${sim}/v2/invoices`, { headers: keyAuth(await keyOf(victim)) })).json();
  assert.deepEqual(own.map((i: { id: string }) => i.id), [invoiceId]);
});

Deno.test("sandbox simulator — an invoice pre-created under a checkout's external_id with other terms is not adopted", async () => {
  const victim = await seedShop(t.db.sql, { email: "adopt@example.com" });
  const open = await checkout(victim, { method: "qris", success_url: "https://shop.example/thanks" });
  // Someone holding an account key makes an invoice for that checkout: another amount, their redirect.
  const planted = await fetch(`${sim}/v2/invoices`, {
    method: "POST",
    headers: { ...keyAuth(await keyOf(victim)), "content-type": "application/json" },
    body: JSON.stringify({
      external_id: open.checkout_id,
      amount: 1000,
      success_redirect_url: "https://attacker.example/phish",
    }),
  });
  assert.equal(planted.status, 200);
  const plantedId = (await planted.json()).id;

  const switched = await postJson(t, `/billing/checkout/${open.checkout_id}/method`, { method: "gopay" });
  assert.ok(switched.res.status < 400, JSON.stringify(switched.body));
  const invoices = await (await fetch(`${sim}/v2/invoices?external_id=${open.checkout_id}`, {
    headers: keyAuth(await keyOf(victim)),
  })).json() as { id: string; amount: number; success_redirect_url?: string }[];
  const fresh = invoices.find((i) => i.id !== plantedId);
  assert.ok(fresh, "a fresh invoice was made");
  assert.equal(fresh.amount, 99_000);
  assert.equal(fresh.success_redirect_url, "https://shop.example/thanks");
  const paid = await fetch(`${sim}/web/invoices/${fresh.id}/pay`, { method: "POST", redirect: "manual" });
  assert.equal(paid.headers.get("location"), "https://shop.example/thanks", "never the planted redirect");
});
