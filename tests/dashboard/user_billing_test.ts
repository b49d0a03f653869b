/**
 * The user page's Billing section (issue 23): admins start a user's free trial through api.start_trial (one
 * per user and plan, refusals worded in English and Indonesian, audited as the developer), see the user's
 * trials, plan changes, linked e-wallets (an unlink under way shown; Unlink: expired, audited as the developer), renewal charges and
 * payments with receipt links; viewers read only; other projects' developers see nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { paidCheckout } from "../helpers/paid_checkouts.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { applyMethodCallback, requestMethodUnlink } from "@/db/linked_methods.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { assignPlan, createPlan, updatePlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "billing-owner@dev.example");
await inviteDeveloper(t, "billing-viewer@dev.example");
const viewer = await signInDeveloper(t, "billing-viewer@dev.example");
const shop = await seedShop(t.db.sql, { email: "page-buyer@example.com" });
const p = shop.project.id;
await asApp(t.db.sql, p, async (tx) => {
  await addMember(tx, p, owner.accountId, "owner");
  await updatePlan(tx, p, "pro", { trial_days: 14 });
  await createPlan(tx, p, { key: "team", name: "Team", price_idr: 300_000, interval: "month" });
  await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
});
await addDeveloperTo(t, p, viewer.accountId, "viewer");
const base = `/dashboard/projects/${p}`;

const audit = (action: string) =>
  asApp(
    t.db.sql,
    p,
    (tx) => tx`select actor, target, details from astapa.audit_log where action = ${action} order by id`,
  );

Deno.test("user page billing — an admin starts a trial once; the second is refused in English and Indonesian", async () => {
  const sub = await seedUser(t.db.sql, p, "trial-page@example.com");
  const page = await (await getAs(t, owner, `${base}/users/${sub}`)).text();
  assert.match(page, /<h2 id="billing-heading">Billing<\/h2>/);
  assert.match(page, /<option value="pro">Pro \(14 days\)<\/option>/);
  assert.doesNotMatch(page, /value="team">Team \(\d+ days\)/, "a plan without trial days is not offered");

  const started = await postAs(t, owner, `${base}/users/${sub}/trial`, { plan: "pro" });
  assert.equal(started.status, 303);
  assert.equal(started.headers.get("location"), `${base}/users/${sub}?done=trial_started`);
  const after = await (await getAs(t, owner, `${base}/users/${sub}?done=trial_started`)).text();
  assert.match(after, /Trial started/);
  assert.match(after, /No trial to offer: this user is on a paid plan or a trial\./);
  assert.match(after, /data-list="trials"[\s\S]*<td>pro<\/td>[\s\S]*<td>trialing<\/td>/);
  assert.match(
    after,
    /Tokens say <code>plan: &quot;pro&quot;<\/code> \(trialing|plan: "pro"<\/code> \(trialing/,
  );
  const [entry] = (await audit("subscription.trial_start")).filter((a) => a.target === `user:${sub}`);
  assert.equal(entry.actor, `account:${owner.accountId}`);
  assert.equal((entry.details as { plan: string }).plan, "pro");

  // Posted again (a stale page): api.start_trial refuses; the page says why in both languages, 422.
  const again = await postAs(t, owner, `${base}/users/${sub}/trial`, { plan: "pro" });
  assert.equal(again.status, 422);
  const refused = await again.text();
  assert.match(refused, /role="alert">This user already has a paid plan \(or a trial of one\)/);
  assert.match(refused, /Pengguna ini sudah punya paket berbayar/);

  const other = await seedUser(t.db.sql, p, "trial-none@example.com");
  const noTrial = await postAs(t, owner, `${base}/users/${other}/trial`, { plan: "team" });
  assert.equal(noTrial.status, 422);
  const noTrialText = await noTrial.text();
  assert.match(noTrialText, /team offers no free trial/);
  assert.match(noTrialText, /team tidak menawarkan masa coba gratis/);
  const unknown = await postAs(t, owner, `${base}/users/${other}/trial`, { plan: "nope" });
  assert.equal(unknown.status, 422);
  assert.equal((await audit("subscription.trial_start")).length, 1, "refusals change nothing");
});

Deno.test("user page billing — one trial per user and plan, even after it ended", async () => {
  const sub = await seedUser(t.db.sql, p, "trial-twice@example.com");
  assert.equal((await postAs(t, owner, `${base}/users/${sub}/trial`, { plan: "pro" })).status, 303);
  // Back on the default plan (as the billing pass does at the end): a second trial of pro is still refused.
  await asApp(t.db.sql, p, (tx) => assignPlan(tx, p, sub, "free", "dashboard"));
  const page = await (await getAs(t, owner, `${base}/users/${sub}`)).text();
  assert.ok(!page.includes('<option value="pro">Pro (14 days)</option>'), "pro is no longer offered");
  const again = await postAs(t, owner, `${base}/users/${sub}/trial`, { plan: "pro" });
  assert.equal(again.status, 422);
  const text = await again.text();
  assert.match(text, /already had the free trial of pro: one trial per user and plan/);
  assert.match(text, /sudah pernah memakai masa coba gratis pro/);
});

Deno.test("user page billing — an account of an address that had the trial is offered none, and told why", async () => {
  const first = await seedUser(t.db.sql, p, "trial-address@example.com");
  assert.equal((await postAs(t, owner, `${base}/users/${first}/trial`, { plan: "pro" })).status, 303);
  const alias = await seedUser(t.db.sql, p, "Trial-Address+second@example.com");
  const page = await (await getAs(t, owner, `${base}/users/${alias}`)).text();
  assert.ok(!page.includes('<option value="pro">Pro (14 days)</option>'), "pro is not offered");
  assert.match(
    page,
    /data-list="trials"[\s\S]*<td>pro<\/td>[\s\S]*<td>had on another account of this address<\/td>/,
  );
  // Posted anyway (a stale page): refused in both languages, nothing started.
  const refused = await postAs(t, owner, `${base}/users/${alias}/trial`, { plan: "pro" });
  assert.equal(refused.status, 422);
  const text = await refused.text();
  assert.match(
    text,
    /This user(&#x27;|&#39;|')s address has already had the free trial of pro on another account/,
  );
  assert.match(text, /Alamat pengguna ini sudah pernah memakai masa coba gratis pro di akun lain/);
  const idPage = await (await getAs(t, owner, `${base}/users/${alias}?lang=id`)).text();
  assert.match(idPage, /<td>dipakai di akun lain dengan alamat ini<\/td>/);
});

Deno.test("user page billing — linked e-wallet listed masked and unlinked by an admin; payments link receipts", async () => {
  const sub = shop.userId;
  // Linked as the portal does it (through xendit-node and the simulator); the activation callback applied.
  const { method } = await linkMethod(t.deps, p, sub, {
    channel: "OVO",
    mobileNumber: "+6281234567890",
    successUrl: "https://shop.example/linked",
    failureUrl: "https://shop.example/not-linked",
  });
  const methodId = method.method_id;
  await asApp(t.db.sql, p, (tx) =>
    applyMethodCallback(tx, p, methodId, {
      event: "payment_method.activated",
      provider_id: method.provider_id!,
    }));
  await paidCheckout(t.db.sql, p, sub);
  const page = await (await getAs(t, owner, `${base}/users/${sub}`)).text();
  assert.match(page, new RegExp(`data-method="${methodId}"[\\s\\S]*?OVO •••• 7890[\\s\\S]*?active`));
  assert.ok(!page.includes("81234567890"), "never the full number");
  assert.match(page, /data-list="payments"[\s\S]*href="\/billing\/receipts\/rcp_[a-z2-7]{24}"/);
  assert.ok(page.includes(`href="${base}/receipts?user=${sub}"`));
  const viewerPage = await (await getAs(t, viewer, `${base}/users/${sub}`)).text();
  assert.ok(viewerPage.includes("OVO •••• 7890"), "viewers read");
  assert.ok(!viewerPage.includes(`/users/${sub}/linked-methods"`), "no Unlink for viewers");
  assert.ok(!viewerPage.includes(`/users/${sub}/trial"`), "no trial form for viewers");

  assert.equal(
    (await postAs(t, viewer, `${base}/users/${sub}/linked-methods`, { method: methodId })).status,
    403,
  );
  assert.equal((await postAs(t, viewer, `${base}/users/${sub}/trial`, { plan: "pro" })).status, 403);
  assert.equal(
    (await postAs(t, owner, `${base}/users/${sub}/linked-methods`, { method: methodId }, "wrong")).status,
    403,
  );
  assert.ok(!page.includes("being unlinked"), "no unlink under way yet");
  // An unlink over the Platform API that never finished (no answer from Xendit): shown, and Unlink tries again.
  await asApp(t.db.sql, p, (tx) => requestMethodUnlink(tx, p, sub, methodId), { actor: "api" });
  const marked = await (await getAs(t, owner, `${base}/users/${sub}`)).text();
  assert.match(
    marked,
    new RegExp(
      `data-unlinking="${methodId}">[^<]*being unlinked since [^<]+ UTC: not charged meanwhile; Unlink tries again`,
    ),
  );
  assert.ok(marked.includes(`name="method" value="${methodId}"`), "Unlink is still offered");
  const unlinked = await postAs(t, owner, `${base}/users/${sub}/linked-methods`, { method: methodId });
  assert.equal(unlinked.status, 303);
  assert.equal(unlinked.headers.get("location"), `${base}/users/${sub}?done=method_unlinked`);
  const [row] = await asApp(
    t.db.sql,
    p,
    (tx) => tx`select status from astapa.linked_methods where public_id = ${methodId}`,
  );
  assert.equal(row.status, "expired");
  assert.equal(
    t.deps.xenditSandbox.paymentMethods.get(method.provider_id!)?.status,
    "EXPIRED",
    "at Xendit too",
  );
  const [entry] = await audit("billing.method_unlinked");
  assert.equal(entry.actor, `account:${owner.accountId}`);
  const after = await (await getAs(t, owner, `${base}/users/${sub}`)).text();
  assert.match(after, new RegExp(`data-method="${methodId}"[\\s\\S]*?expired`));
  assert.ok(!after.includes(`name="method" value="${methodId}"`), "an ended link has no Unlink");
  assert.ok(!after.includes("being unlinked"), "ended: no unlink under way");

  // Someone else's method id: 422 with the reason, nothing changes.
  const stranger = await seedUser(t.db.sql, p, "no-methods@example.com");
  const foreign = await postAs(t, owner, `${base}/users/${stranger}/linked-methods`, { method: methodId });
  assert.equal(foreign.status, 422);

  // The project's Receipts page, filtered to this user.
  const receipts = await (await getAs(t, owner, `${base}/receipts?user=${stranger}`)).text();
  assert.match(receipts, /Only the receipts of user/);
  assert.ok(!receipts.includes("data-receipt="), "the stranger has no receipts");
  const theirs = await (await getAs(t, owner, `${base}/receipts?user=${sub}`)).text();
  assert.match(theirs, /data-receipt="TEST-R-\d{4}-\d{6}"/);
});

Deno.test("user page billing — another project's developer sees and changes nothing", async () => {
  const other = await seedShop(t.db.sql, { email: "other-shop@example.com" });
  const outsider = await (async () => {
    await inviteDeveloper(t, "billing-outsider@dev.example");
    return await signInDeveloper(t, "billing-outsider@dev.example");
  })();
  await asApp(
    t.db.sql,
    other.project.id,
    (tx) => addMember(tx, other.project.id, outsider.accountId, "owner"),
  );
  assert.equal((await getAs(t, outsider, `${base}/users/${shop.userId}`)).status, 404);
  assert.equal(
    (await postAs(t, outsider, `${base}/users/${shop.userId}/trial`, { plan: "pro" })).status,
    404,
  );
});

Deno.test("user page billing — payments of every status: a declined charge, a waiting one and a paid one with its receipt", async () => {
  const { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } = await import(
    "@/db/payments.ts"
  );
  const sub = await seedUser(t.db.sql, p, "every-status@example.com");
  await paidCheckout(t.db.sql, p, sub);
  const open = await asApp(
    t.db.sql,
    p,
    (tx) => createCheckout(tx, p, { sub, plan: "pro", xendit_account: "simulator" }),
  );
  for (const [providerId, status] of [["pr-page-failed", "FAILED"], ["pr-page-pending", null]] as const) {
    await asApp(t.db.sql, p, async (tx) => {
      await recordPayment(tx, p, open.checkout_id, {
        kind: "payment_request",
        provider_id: providerId,
        method: "qris",
        details: {},
        expires_at: null,
      });
      if (status) {
        await recordPaymentEvent(tx, p, {
          providerId,
          status,
          checkoutId: open.checkout_id,
          body: { data: { amount: 99_000, currency: "IDR", status } },
        });
        while (await applyPaymentEvent(tx, p));
      }
    });
  }
  const page = await (await getAs(t, viewer, `${base}/users/${sub}`)).text();
  const rows = [...page.matchAll(/<tr data-payment="(\w+)"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows.map(([status]) => status), ["pending", "failed", "paid"], "newest first");
  assert.match(rows[0][1], /pending at Xendit/);
  assert.match(rows[1][1], /<td>failed<\/td>/);
  assert.match(rows[2][1], /href="\/billing\/receipts\/rcp_[a-z2-7]{24}"/);
  assert.doesNotMatch(rows[0][1] + rows[1][1], /\/billing\/receipts\//, "no receipt until paid");
});
