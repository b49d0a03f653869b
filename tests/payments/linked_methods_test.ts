/**
 * Linked e-wallets end to end over HTTP: the portal's link form → xendit-node's PaymentMethod API on the
 * simulator (loopback) → the customer approves on the AUTH page → payment_method.activated reaches the app's
 * webhook → the portal shows the method; unlinking expires it at Xendit (an unlink under way is shown, and
 * Unlink tries it again); declines, refused channels, a wrong
 * callback token and someone else's method change nothing they should not; a refused API key is worded as such.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { requestMethodUnlink } from "@/db/linked_methods.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { rows } from "../helpers/db.ts";
import { testApp } from "../helpers/app.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_PUBLIC_KEY, TEST_SECRET_KEY } from "../helpers/xendit.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { closedPort } from "../helpers/ports.ts";

const served = serveSimulator();
const t = await testApp({ listen: true, env: { XENDIT_BASE_URL: served.url } });
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
Deno.test.afterAll(async () => {
  await served.close();
  await t.close();
});

async function shopWithKeys(email: string): Promise<Shop> {
  const shop = await seedShop(t.db.sql, { email });
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, shop.project.id, "sandbox", {
    secretKey: TEST_SECRET_KEY,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await asApp(t.db.sql, shop.project.id, async (tx) => {
    await setXenditKeys(tx, shop.project.id, "sandbox", sealed);
    await updateProjectSettings(tx, shop.project.id, { linked_methods: { enabled: true } });
  });
  return shop;
}

/** A hosted-login session for the shop's user, the portal's CSRF cookie and token, and a form poster. */
async function customer(shop: Shop) {
  const token = randomSecret();
  await asApp(
    t.db.sql,
    shop.project.id,
    async (tx) => tx`select api.start_login_session(${shop.userId}::bigint, ${await sha256(token)})`,
  );
  const session = `astapa_session_${shop.project.id}=${token}`;
  const portalUrl = `/billing/account?client_id=${shop.project.clientId}`;
  const page = async (query = "") => {
    const res = await t.app.request(`${portalUrl}${query}`, { headers: { cookie: session } });
    return { res, html: await res.text() };
  };
  const first = await t.app.request(portalUrl, { headers: { cookie: session } });
  const html = await first.text();
  const csrfCookie = first.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) =>
    c.startsWith("astapa_csrf=")
  );
  // The form token is the CSRF cookie's value (double submit), read from the page when it has a form; a page
  // without one (linking off) still gets posts in these tests, carrying the cookie's value as a script would.
  const csrf = html.includes("<form") ? csrfOf(html) : csrfCookie!.split("=")[1];
  const cookie = [session, csrfCookie].filter(Boolean).join("; ");
  const post = async (fields: Record<string, string>, withCsrf = true) => {
    const res = await t.app.request("/billing/account/methods", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({
        client_id: shop.project.clientId,
        ...(withCsrf ? { csrf } : {}),
        ...fields,
      }),
    });
    await res.body?.cancel();
    return res;
  };
  /** Posts as a browser does (asking for HTML), in `lang`: answers the page an error renders. */
  const postPage = async (fields: Record<string, string>, lang: "en" | "id") => {
    const res = await t.app.request(`/billing/account/methods?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html", cookie },
      body: new URLSearchParams({ client_id: shop.project.clientId, csrf, lang, ...fields }),
    });
    return { res, html: await res.text() };
  };
  return { page, post, postPage };
}

type MethodRow = {
  public_id: string;
  channel: string;
  label: string;
  status: string;
  provider_id: string;
  failure_code: string | null;
};
const methodRows = async (shop: Shop): Promise<MethodRow[]> =>
  rows(
    await t.db.sql<MethodRow[]>`select public_id, channel, label, status, provider_id, failure_code
             from astapa.linked_methods where project_id = ${shop.project.id} order by id`,
  );

/** An OVO account linked from the portal and approved: the method once its activation callback came. */
async function activeOvo(shop: Shop, me: Awaited<ReturnType<typeof customer>>): Promise<MethodRow> {
  const linked = await me.post({ action: "link", channel: "OVO", mobile_number: "0812 3456 7890" });
  const approved = await fetch(`${linked.headers.get("location")}/approve`, {
    method: "POST",
    redirect: "manual",
  });
  await approved.body?.cancel();
  await waitFor(async () => (await methodRows(shop))[0].status === "active", "the activation callback");
  return (await methodRows(shop))[0];
}

Deno.test("linked methods — link OVO from the portal, approve, activated by callback, shown, unlinked", async () => {
  const shop = await shopWithKeys("link-http@example.com");
  const me = await customer(shop);
  const before = await me.page();
  assert.match(before.html, /Automatic renewal/);
  assert.match(before.html, /data-link-channel="OVO"/);
  assert.match(before.html, /data-link-channel="DANA"/);
  assert.doesNotMatch(before.html, /data-link-channel="SHOPEEPAY"/, "ShopeePay stays off until enabled");

  const linked = await me.post({ action: "link", channel: "OVO", mobile_number: "0812 3456 7890" });
  assert.equal(linked.status, 303);
  const auth = linked.headers.get("location")!;
  assert.ok(auth.startsWith(`${served.url}/web/payment_methods/pm-`), auth);
  const [waiting] = await methodRows(shop);
  assert.deepEqual([waiting.channel, waiting.label, waiting.status], [
    "OVO",
    "OVO •••• 7890",
    "requires_action",
  ]);
  assert.equal(served.sim.paymentMethods.get(waiting.provider_id as string)?.mobileNumber, "+6281234567890");

  // The customer approves in OVO: back to the portal, and the activated callback makes it chargeable.
  const approved = await fetch(`${auth}/approve`, { method: "POST", redirect: "manual" });
  await approved.body?.cancel();
  assert.match(approved.headers.get("location")!, /\/billing\/account\?client_id=.*notice=linked/);
  await waitFor(async () => (await methodRows(shop))[0].status === "active", "the activation callback");
  const after = await me.page("&lang=id");
  assert.match(after.html, /data-linked-method="OVO" data-status="active"/);
  assert.match(after.html, /OVO •••• 7890 — tertaut/);
  assert.doesNotMatch(after.html, /data-link-channel="OVO"/, "no second OVO link offered");
  // Linking OVO again while one is active is refused with a notice, and makes no row.
  const again = await me.post({ action: "link", channel: "OVO", mobile_number: "+6281234567890" });
  assert.match(again.headers.get("location")!, /notice=link_refused/);
  assert.equal((await methodRows(shop)).length, 1);

  const unlinked = await me.post({ action: "unlink", method_id: waiting.public_id as string });
  assert.match(unlinked.headers.get("location")!, /notice=unlinked/);
  assert.equal((await methodRows(shop))[0].status, "expired");
  assert.equal(served.sim.paymentMethods.get(waiting.provider_id as string)?.status, "EXPIRED");
  await served.sim.webhooks.idle();
  assert.equal((await methodRows(shop))[0].status, "expired", "the expired callback changes nothing more");
  assert.doesNotMatch((await me.page()).html, /data-linked-method=/);
  const audited = await asApp(t.db.sql, shop.project.id, async (tx) =>
    rows(
      await tx`select actor from astapa.audit_log where action = 'billing.method_unlinked'
               and target = ${"linked_method:" + waiting.public_id}`,
    ));
  assert.deepEqual(audited, [{ actor: `user:${shop.userId}` }], "the person who unlinked it, once");
});

Deno.test("linked methods — the portal shows an unlink under way (en, id), and Unlink tries it again", async () => {
  const shop = await shopWithKeys("link-unlinking@example.com");
  const me = await customer(shop);
  const method = await activeOvo(shop, me);
  // An unlink that never finished (Xendit gave no answer, or its instance died): the method is marked.
  await asApp(
    t.db.sql,
    shop.project.id,
    (tx) => requestMethodUnlink(tx, shop.project.id, shop.userId, method.public_id),
    { actor: `user:${shop.userId}` },
  );
  const en = (await me.page("&lang=en")).html;
  assert.match(en, /data-linked-method="OVO" data-status="active" data-unlinking/);
  assert.match(
    en,
    /OVO •••• 7890 — being unlinked since [^<]+ WIB: not charged meanwhile\. If it stays like this, unlink it again\./,
  );
  assert.match(en, new RegExp(`name="method_id" value="${method.public_id}"`), "Unlink is still offered");
  const id = (await me.page("&lang=id")).html;
  assert.match(
    id,
    /OVO •••• 7890 — sedang dilepaskan sejak [^<]+ WIB: tidak ditagih selama itu\. Jika tetap begini, lepaskan lagi\./,
  );

  const again = await me.post({ action: "unlink", method_id: method.public_id });
  assert.match(again.headers.get("location")!, /notice=unlinked/);
  assert.equal((await methodRows(shop))[0].status, "expired");
  assert.doesNotMatch((await me.page()).html, /data-linked-method=/);
});

Deno.test("linked methods — a declined DANA link fails; refused channels and bad numbers come back worded", async () => {
  const shop = await shopWithKeys("link-decline@example.com");
  const me = await customer(shop);
  const linked = await me.post({ action: "link", channel: "DANA" });
  const declined = await fetch(`${linked.headers.get("location")}/decline`, {
    method: "POST",
    redirect: "manual",
  });
  await declined.body?.cancel();
  assert.match(declined.headers.get("location")!, /notice=link_failed/);
  await waitFor(async () => (await methodRows(shop))[0].status === "failed", "the failed callback");
  assert.equal((await methodRows(shop))[0].failure_code, "AUTHORIZATION_DECLINED");
  for (
    const fields of [
      { channel: "SHOPEEPAY" } as Record<string, string>,
      { channel: "OVO" },
      { channel: "OVO", mobile_number: "12345" },
    ]
  ) {
    const res = await me.post({ action: "link", ...fields });
    assert.equal(res.status, 303, JSON.stringify(fields));
    assert.match(res.headers.get("location")!, /notice=link_refused/, JSON.stringify(fields));
  }
  assert.equal((await methodRows(shop)).length, 1, "refused links leave no row");
  assert.equal((await me.post({ action: "link", channel: "DANA" }, false)).status, 403, "no CSRF token");
});

Deno.test("linked methods — callbacks: a wrong token is 401; a duplicate changes nothing; off for a project that has not enabled it; another user's method is not unlinked", async () => {
  const shop = await shopWithKeys("link-abuse@example.com");
  const me = await customer(shop);
  await me.post({ action: "link", channel: "DANA" });
  const [m] = await methodRows(shop);
  const body = JSON.stringify({
    event: "payment_method.activated",
    business_id: "x",
    created: new Date().toISOString(),
    data: { id: m.provider_id, reference_id: m.public_id, status: "ACTIVE" },
  });
  const send = (token: string) =>
    fetch(`${t.origin}/api/webhooks/xendit`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-callback-token": token },
      body,
    });
  const forged = await send("wrong-token");
  assert.equal(forged.status, 401);
  await forged.body?.cancel();
  assert.equal((await methodRows(shop))[0].status, "requires_action");
  const real = await send(TEST_CALLBACK_TOKEN);
  assert.deepEqual(await real.json(), { received: true, changed: true });
  const duplicate = await send(TEST_CALLBACK_TOKEN);
  assert.deepEqual(await duplicate.json(), { received: true, changed: false });
  assert.equal(served.sim.paymentMethods.get(m.provider_id as string)?.status, "REQUIRES_ACTION");

  const other = await seedShop(t.db.sql, { email: "link-other@example.com" });
  const stranger = await customer(other);
  const off = await stranger.page();
  assert.equal(off.res.status, 200);
  assert.doesNotMatch(off.html, /Automatic renewal/, "linking is off until the project enables it");
  assert.match(
    (await stranger.post({ action: "link", channel: "DANA" })).headers.get("location")!,
    /link_refused/,
  );
  const res = await stranger.post({ action: "unlink", method_id: m.public_id as string });
  assert.equal(res.status, 404);
  assert.equal((await methodRows(shop))[0].status, "active", "someone else's method stays linked");
});

Deno.test("linked methods — a link that fails on our side mid-way ends failed, not waiting: logged with its stack, linked again after", async () => {
  const { LINK_ERROR_FAILURE } = await import("@/lib/payments/link_failures.ts");
  const shop = await shopWithKeys("link-bug@example.com");
  const me = await customer(shop);
  // Xendit's answer reaches code of ours that cannot handle it (a TypeError: a bug, not Xendit's failure).
  const odd = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ id: "pm-odd-answer", status: "REQUIRES_ACTION", actions: 5 }),
  );
  t.deps.config.xendit.baseUrl = `http://127.0.0.1:${odd.addr.port}`;
  let broken;
  try {
    broken = await me.post({ action: "link", channel: "OVO", mobile_number: "0812 3456 7890" });
  } finally {
    t.deps.config.xendit.baseUrl = served.url;
    await odd.shutdown();
  }
  assert.equal(broken.status, 500, "a 500 with the request id, not a refusal");
  const [failed] = await methodRows(shop);
  assert.deepEqual([failed.channel, failed.status, failed.failure_code], [
    "OVO",
    "failed",
    LINK_ERROR_FAILURE,
  ]);
  const logged = t.logs.filter((line) =>
    line.msg === "method_link_error" && line.method_id === failed.public_id
  );
  assert.equal(logged.length, 1);
  assert.equal(logged[0].level, "error");
  const error = logged[0].error as { name: string; stack: string[] };
  assert.equal(error.name, "TypeError");
  assert.ok(error.stack.length > 0, "with its stack");
  const portal = (await me.page()).html;
  assert.doesNotMatch(portal, /data-linked-method=/, "not shown as waiting for approval");
  assert.match(portal, /data-link-channel="OVO"/, "offered again");

  const again = await me.post({ action: "link", channel: "OVO", mobile_number: "0812 3456 7890" });
  assert.equal(again.status, 303);
  assert.ok(again.headers.get("location")!.startsWith(`${served.url}/web/payment_methods/pm-`));
  assert.deepEqual((await methodRows(shop)).map((m) => m.status), ["failed", "requires_action"]);
});

Deno.test("linked methods — an unlink Xendit does not take says on the portal what happened (en, id), never 'the charge'", async () => {
  const shop = await shopWithKeys("unlink-words@example.com");
  const me = await customer(shop);
  const method = await activeOvo(shop, me);
  // Xendit answering every call with `status` (a local fake), or not there at all (null: a closed port).
  const unlinkWith = async (status: number | null, lang: "en" | "id") => {
    const xendit = status === null ? null : Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => Response.json({ error_code: "SOME_ERROR", message: "Not now." }, { status }),
    );
    t.deps.config.xendit.baseUrl = xendit
      ? `http://127.0.0.1:${xendit.addr.port}`
      : `http://127.0.0.1:${closedPort()}`;
    try {
      return await me.postPage({ action: "unlink", method_id: method.public_id }, lang);
    } finally {
      t.deps.config.xendit.baseUrl = served.url;
      await xendit?.shutdown();
    }
  };
  const cases: [number | null, "en" | "id", string][] = [
    [null, "en", "The payment provider could not be reached. Try again shortly."],
    [null, "id", "Penyedia pembayaran tidak dapat dihubungi. Coba lagi sebentar lagi."],
    [
      503,
      "en",
      "The payment provider answered the unlink with an error. The payment method is not charged meanwhile; " +
      "try again shortly.",
    ],
    [
      503,
      "id",
      "Penyedia pembayaran menjawab pelepasan dengan galat. Metode pembayaran ini tidak ditagih selama itu; " +
      "coba lagi sebentar lagi.",
    ],
    [
      422,
      "en",
      "The payment provider refused to unlink the payment method, so it stays linked. Try again shortly.",
    ],
    [
      422,
      "id",
      "Penyedia pembayaran menolak melepas metode pembayaran ini, jadi metode ini tetap tertaut. " +
      "Coba lagi sebentar lagi.",
    ],
  ];
  for (const [status, lang, message] of cases) {
    const { res, html } = await unlinkWith(status, lang);
    assert.equal(res.status, 502, `${status} ${lang}`);
    assert.ok(html.includes(`<p>${message}</p>`), `${status} ${lang}: ${html}`);
    assert.doesNotMatch(html, /the charge|tagihan ini|<p lang="en">/, "no charge, no English detail");
    const [row] = await methodRows(shop);
    assert.equal(row.status, "active", "still linked");
  }
  const marked = rows(
    await t.db
      .sql`select unlink_requested_at from astapa.linked_methods where public_id = ${method.public_id}`,
  );
  assert.equal(
    marked[0].unlink_requested_at,
    null,
    "the refusal cleared the mark: linked and charged as before",
  );
});

Deno.test("linked methods — a refused API key (401, 403) says so on the portal (en, id): the link is not made, the unlink stays under way", async () => {
  const shop = await shopWithKeys("portal-key-refused@example.com");
  const me = await customer(shop);
  const method = await activeOvo(shop, me);
  /** The project's keys become `secretKey`: the simulator answers 401 to one it does not know, 403 to a public one. */
  const useKey = async (secretKey: string) => {
    const sealed = await sealXenditKeys(t.deps.masterKeys.payments, shop.project.id, "sandbox", {
      secretKey,
      callbackToken: TEST_CALLBACK_TOKEN,
    });
    await asApp(t.db.sql, shop.project.id, (tx) => setXenditKeys(tx, shop.project.id, "sandbox", sealed));
  };
  const words = {
    unlink: {
      en:
        "The payment provider refused this project's Xendit credentials (API key), so the payment method is " +
        "not unlinked yet. It is not charged meanwhile, and the unlink is finished once the project's Xendit " +
        "keys are fixed.",
      id:
        "Penyedia pembayaran menolak kredensial Xendit (kunci API) proyek ini, jadi metode pembayaran belum " +
        "dilepas. Metode ini tidak ditagih selama itu, dan pelepasan diselesaikan setelah kunci Xendit proyek " +
        "ini diperbaiki.",
    },
    link: {
      en:
        "The payment provider refused this project's Xendit credentials (API key), so the payment method was " +
        "not linked. Fix the project's Xendit keys, then try again.",
      id:
        "Penyedia pembayaran menolak kredensial Xendit (kunci API) proyek ini, jadi metode pembayaran tidak " +
        "ditautkan. Perbaiki kunci Xendit proyek ini, lalu coba lagi.",
    },
  };
  for (const secretKey of ["xnd_development_rotated_away_0123456789", TEST_PUBLIC_KEY]) {
    await useKey(secretKey);
    for (const lang of ["en", "id"] as const) {
      const unlinked = await me.postPage({ action: "unlink", method_id: method.public_id }, lang);
      assert.equal(unlinked.res.status, 502);
      assert.ok(unlinked.html.includes(`<p>${words.unlink[lang]}</p>`), `${lang}: ${unlinked.html}`);
      const linked = await me.postPage({ action: "link", channel: "DANA" }, lang);
      assert.equal(linked.res.status, 502);
      assert.ok(linked.html.includes(`<p>${words.link[lang]}</p>`), `${lang}: ${linked.html}`);
      assert.doesNotMatch(unlinked.html + linked.html, /did not accept|refused to unlink|tidak menerima/);
    }
  }
  const methods = await methodRows(shop);
  assert.deepEqual(methods.map((m) => [m.channel, m.status]), [
    ["OVO", "active"],
    ...Array(4).fill(["DANA", "failed"]),
  ], "the OVO is still linked; each DANA link failed (as ours), none waits");
  const marked = rows(
    await t.db
      .sql`select unlink_requested_at from astapa.linked_methods where public_id = ${method.public_id}`,
  );
  assert.notEqual(marked[0].unlink_requested_at, null, "the unlink is still under way: not charged");
});
