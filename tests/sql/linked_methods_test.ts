/** SQL tests for linked payment methods (db/api/linked_methods.sql): linking, callbacks, unlinking, policies. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  applyMethodCallback,
  cancelMethodUnlink,
  linkedMethodAccount,
  listLinkedMethods,
  nextStalledUnlink,
  recordMethodLinkAnswer,
  requestMethodUnlink,
  setXenditPublicKey,
  startMethodLink,
  unlinkMethod,
  xenditPublicKey,
} from "@/db/linked_methods.ts";
import { projectsWithBillingWork } from "@/db/billing.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

const through = { xendit_account: "simulator", environment: "sandbox" } as const;

/** A shop whose project has turned linking on (settings.linked_methods.enabled). */
async function linkingShop(email: string) {
  const shop = await seedShop(db.sql, { email });
  await as(
    shop.project.id,
    (tx) => updateProjectSettings(tx, shop.project.id, { linked_methods: { enabled: true } }),
  );
  return shop;
}

Deno.test("api.start_method_link — OVO with a masked label; the answer; bad input names the field", async () => {
  const shop = await linkingShop("link-ovo@example.com");
  const p = shop.project.id;
  const ovo = await as(
    p,
    (tx) =>
      startMethodLink(tx, p, shop.userId, { channel: "ovo", mobile_number: "+6281234567890", ...through }),
  );
  assert.deepEqual([ovo.channel, ovo.label, ovo.status, ovo.provider_id], [
    "OVO",
    "OVO •••• 7890",
    "requires_action",
    null,
  ]);
  assert.match(ovo.method_id, /^lpm_[a-z2-7]{24}$/);
  const answered = await as(p, (tx) => recordMethodLinkAnswer(tx, p, ovo.method_id, { provider_id: "pm-1" }));
  assert.equal(answered.provider_id, "pm-1");
  const dana = await as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "DANA", ...through }));
  assert.equal(dana.label, "DANA");
  const refused = await as(
    p,
    (tx) => recordMethodLinkAnswer(tx, p, dana.method_id, { failure: "CHANNEL_DOWN" }),
  );
  assert.deepEqual([refused.status, refused.failure_code], ["failed", "CHANNEL_DOWN"]);

  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "OVO", ...through })),
    "validation_failed",
  );
  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "OVO", mobile_number: "0812", ...through })),
    "validation_failed",
  );
  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "QRIS", ...through })),
    "validation_failed",
  );
  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, "999999", { channel: "DANA", ...through })),
    "not_found",
  );
  await rejectsAs(
    as(p, (tx) => recordMethodLinkAnswer(tx, p, "lpm_aaaaaaaaaaaaaaaaaaaaaaaa", { provider_id: "x" })),
    "not_found",
  );
});

Deno.test("api.start_method_link — off until settings.linked_methods.enabled; ShopeePay and GoPay need their own switch", async () => {
  const off = await seedShop(db.sql, { email: "link-off@example.com" });
  await rejectsAs(
    as(
      off.project.id,
      (tx) => startMethodLink(tx, off.project.id, off.userId, { channel: "DANA", ...through }),
    ),
    "conflict",
  );
  const shop = await linkingShop("link-shopee@example.com");
  const p = shop.project.id;
  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "SHOPEEPAY", ...through })),
    "conflict",
  );
  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "GOPAY", ...through })),
    "conflict",
  );
  await rejectsAs(
    as(p, (tx) => updateProjectSettings(tx, p, { linked_methods: { shopeepay: "yes" } })),
    "validation_failed",
  );
  await rejectsAs(
    as(p, (tx) => updateProjectSettings(tx, p, { linked_methods: { card: true } })),
    "validation_failed",
  );
  await as(p, (tx) => updateProjectSettings(tx, p, { linked_methods: { enabled: true, shopeepay: true } }));
  const shopee = await as(
    p,
    (tx) => startMethodLink(tx, p, shop.userId, { channel: "SHOPEEPAY", ...through }),
  );
  assert.equal(shopee.channel, "SHOPEEPAY");
  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "GOPAY", ...through })),
    "conflict",
  );
});

Deno.test("linked methods — one live link per channel: a waiting one is replaced, an active one stands", async () => {
  const shop = await linkingShop("link-once@example.com");
  const p = shop.project.id;
  const first = await as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "DANA", ...through }));
  const second = await as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "DANA", ...through }));
  const listed = await as(p, (tx) => listLinkedMethods(tx, p, shop.userId));
  assert.deepEqual(listed.map((m) => m.method_id), [second.method_id], "the waiting first link was replaced");
  const [old] = rows(
    await db.sql`select status, failure_code from astapa.linked_methods where public_id = ${first.method_id}`,
  );
  assert.deepEqual([old.status, old.failure_code], ["failed", "SUPERSEDED"]);
  await as(
    p,
    (tx) =>
      applyMethodCallback(tx, p, second.method_id, {
        event: "payment_method.activated",
        provider_id: "pm-d",
      }),
  );
  await rejectsAs(
    as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "DANA", ...through })),
    "conflict",
  );
  // Concurrent links of one channel: the user's row lock queues them; exactly one live row remains.
  const other = await linkingShop("link-race@example.com");
  const q = other.project.id;
  await Promise.allSettled(
    Array.from(
      { length: 6 },
      () => as(q, (tx) => startMethodLink(tx, q, other.userId, { channel: "DANA", ...through })),
    ),
  );
  assert.equal((await as(q, (tx) => listLinkedMethods(tx, q, other.userId))).length, 1);
});

Deno.test("api.apply_method_callback — forward only, duplicates and late callbacks change nothing; errors", async () => {
  const shop = await linkingShop("link-callbacks@example.com");
  const p = shop.project.id;
  const m = await as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "DANA", ...through }));
  const apply = (event: string, providerId = "pm-cb") =>
    as(p, (tx) => applyMethodCallback(tx, p, m.method_id, { event, provider_id: providerId }));
  const active = await apply("payment_method.activated");
  assert.deepEqual([active.status, active.changed, active.provider_id], ["active", true, "pm-cb"]);
  assert.ok(active.activated_at);
  assert.equal((await apply("payment_method.activated")).changed, false, "duplicate");
  assert.equal(
    (await apply("payment_method.failed")).status,
    "active",
    "a late failure does not undo a link",
  );
  await rejectsAs(apply("payment_method.expired", "pm-other"), "conflict");
  const expired = await apply("payment_method.expired");
  assert.deepEqual([expired.status, expired.changed], ["expired", true]);
  const late = await apply("payment_method.activated");
  assert.deepEqual([late.status, late.changed], ["expired", false], "an activation after expiry is ignored");
  await rejectsAs(apply("payment_method.renamed"), "validation_failed");
  await rejectsAs(
    as(
      p,
      (tx) =>
        applyMethodCallback(tx, p, "lpm_aaaaaaaaaaaaaaaaaaaaaaaa", {
          event: "payment_method.expired",
          provider_id: "x",
        }),
    ),
    "not_found",
  );
  const audit = rows(
    await db.sql`select action from astapa.audit_log where project_id = ${p} and target = ${
      "linked_method:" + m.method_id
    } order by id`,
  );
  assert.deepEqual(audit.map((r) => r.action), ["billing.method_active", "billing.method_expired"]);
});

Deno.test("api.unlink_method — the user's own method only; expired, listed no more; twice is harmless", async () => {
  const shop = await linkingShop("unlink@example.com");
  const p = shop.project.id;
  const m = await as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "DANA", ...through }));
  await as(
    p,
    (tx) =>
      applyMethodCallback(tx, p, m.method_id, { event: "payment_method.activated", provider_id: "pm-u" }),
  );
  const otherUser = await linkingShop("unlink-other@example.com");
  await rejectsAs(as(p, (tx) => unlinkMethod(tx, p, otherUser.userId, m.method_id)), "not_found");
  const gone = await as(p, (tx) => unlinkMethod(tx, p, shop.userId, m.method_id));
  assert.equal(gone.status, "expired");
  assert.deepEqual(await as(p, (tx) => listLinkedMethods(tx, p, shop.userId)), []);
  assert.equal((await as(p, (tx) => unlinkMethod(tx, p, shop.userId, m.method_id))).status, "expired");
});

/** An active DANA of a fresh shop's user, and its audit trail (actions with their actors, oldest first). */
async function activeMethod(email: string, providerId: string) {
  const shop = await linkingShop(email);
  const p = shop.project.id;
  const m = await as(p, (tx) => startMethodLink(tx, p, shop.userId, { channel: "DANA", ...through }));
  await as(
    p,
    (tx) =>
      applyMethodCallback(tx, p, m.method_id, { event: "payment_method.activated", provider_id: providerId }),
  );
  const audited = async () =>
    rows(
      await db.sql`select action, actor from astapa.audit_log where project_id = ${p}
                   and target = ${
        "linked_method:" + m.method_id
      } and action <> 'billing.method_active' order by id`,
    ).map((r) => `${r.action} ${r.actor}`);
  const marks = async () =>
    rows(
      await db.sql`select unlink_requested_at, unlink_actor from astapa.linked_methods
                   where public_id = ${m.method_id}`,
    )[0];
  return { shop, p, m, audited, marks };
}

Deno.test("api.request_method_unlink — marks a live method as the actor's unlink; an ended one is answered as it is", async () => {
  const { shop, p, m, audited, marks } = await activeMethod("mark@example.com", "pm-mark");
  const otherUser = await linkingShop("mark-other@example.com");
  await rejectsAs(as(p, (tx) => requestMethodUnlink(tx, p, otherUser.userId, m.method_id)), "not_found");
  const requested = await asApp(
    db.sql,
    p,
    (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id),
    { actor: "user:7" },
  );
  assert.deepEqual([requested.status, requested.expire_at_xendit], ["active", true]);
  assert.ok(requested.unlink_requested_at);
  assert.equal((await marks()).unlink_actor, "user:7");
  assert.equal(
    (await as(p, (tx) => listLinkedMethods(tx, p, shop.userId))).length,
    1,
    "still listed until ended",
  );

  // Ended by another transaction (no actor of its own): audited as the one who asked.
  assert.equal((await as(p, (tx) => unlinkMethod(tx, p, shop.userId, m.method_id))).status, "expired");
  assert.deepEqual(await audited(), ["billing.method_unlinked user:7"]);
  const again = await as(p, (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id));
  assert.deepEqual([again.status, again.expire_at_xendit], ["expired", false]);
  assert.equal((await marks()).unlink_actor, "user:7", "an ended method is not marked again");

  // A link Xendit never answered has nothing to expire there.
  const waiting = await as(
    p,
    (tx) =>
      startMethodLink(tx, p, shop.userId, { channel: "OVO", ...through, mobile_number: "+6281234567890" }),
  );
  const plain = await as(p, (tx) => requestMethodUnlink(tx, p, shop.userId, waiting.method_id));
  assert.deepEqual([plain.status, plain.expire_at_xendit], ["requires_action", false]);
});

Deno.test("api.apply_method_callback — Xendit's expiry of a method being unlinked is that unlink, audited once as its actor", async () => {
  const { shop, p, m, audited } = await activeMethod("mark-callback@example.com", "pm-mark-cb");
  await asApp(db.sql, p, (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id), {
    actor: "account:3",
  });
  // The callback arrives before the unlink's last step (as the webhook: no actor of its own).
  const callback = await as(
    p,
    (tx) =>
      applyMethodCallback(tx, p, m.method_id, { event: "payment_method.expired", provider_id: "pm-mark-cb" }),
  );
  assert.deepEqual([callback.status, callback.changed], ["expired", true]);
  assert.equal((await as(p, (tx) => unlinkMethod(tx, p, shop.userId, m.method_id))).status, "expired");
  assert.deepEqual(await audited(), ["billing.method_unlinked account:3"]);

  // An expiry nobody asked for is Xendit's own.
  const other = await activeMethod("mark-callback-2@example.com", "pm-mark-cb2");
  await as(
    other.p,
    (tx) =>
      applyMethodCallback(tx, other.p, other.m.method_id, {
        event: "payment_method.expired",
        provider_id: "pm-mark-cb2",
      }),
  );
  assert.deepEqual(await other.audited(), ["billing.method_expired app"]);
});

Deno.test("api.cancel_method_unlink — clears its own mark only; nothing once the method ended", async () => {
  const { shop, p, m, audited, marks } = await activeMethod("mark-cancel@example.com", "pm-mark-cancel");
  const first = await as(p, (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id));
  const second = await asApp(
    db.sql,
    p,
    (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id),
    { actor: "api" },
  );
  assert.notEqual(first.unlink_requested_at, second.unlink_requested_at);
  // The first unlink's refusal leaves the second one's mark alone.
  await as(p, (tx) => cancelMethodUnlink(tx, p, shop.userId, m.method_id, first.unlink_requested_at!));
  assert.equal((await marks()).unlink_actor, "api");
  const cleared = await as(
    p,
    (tx) => cancelMethodUnlink(tx, p, shop.userId, m.method_id, second.unlink_requested_at!),
  );
  assert.equal(cleared.status, "active");
  assert.deepEqual(await marks(), { unlink_requested_at: null, unlink_actor: null });
  assert.deepEqual(await audited(), [], "a cancelled unlink is no unlink");
  await rejectsAs(
    as(p, (tx) => cancelMethodUnlink(tx, p, "999999", m.method_id, second.unlink_requested_at!)),
    "not_found",
  );
});

Deno.test("api.next_stalled_unlink — a mark whose last try is older than the window, once per window; never one in flight", async () => {
  const { shop, p, m, audited } = await activeMethod("stalled@example.com", "pm-stalled");
  const marked = await asApp(
    db.sql,
    p,
    (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id),
    { actor: "user:7" },
  );
  // The mark has microseconds; a Date has milliseconds: the next one up.
  const since = Date.parse(marked.unlink_requested_at!) + 1;
  const stalled = (seconds: number) =>
    as(p, (tx) => nextStalledUnlink(tx, p, new Date(since + seconds * 1000), 900));
  // The method's JSON says an unlink is under way, wherever it is listed.
  const [listed] = await as(p, (tx) => listLinkedMethods(tx, p, shop.userId));
  assert.equal(listed.unlink_requested_at, marked.unlink_requested_at);
  assert.equal(
    await stalled(899),
    null,
    "younger than the window: the unlink may still be waiting on Xendit",
  );

  const taken = await stalled(900);
  assert.deepEqual(
    [taken?.method_id, taken?.unlink_actor, taken?.unlink_requested_at, taken?.expire_at_xendit, taken?.sub],
    [m.method_id, "user:7", marked.unlink_requested_at, true, shop.userId],
    "the mark, its time and its actor stay as they were",
  );
  assert.equal(await stalled(900), null, "taken once: the try is stamped");
  assert.equal(await stalled(900 + 899), null, "the next try comes a window after the last");
  assert.equal((await stalled(900 + 900))?.method_id, m.method_id);

  // Another project sees none of it.
  const stranger = await linkingShop("stalled-stranger@example.com");
  assert.equal(
    await as(stranger.project.id, (tx) => nextStalledUnlink(tx, p, new Date(since + 86_400_000), 900)),
    null,
  );
  await rejectsAs(as(p, (tx) => nextStalledUnlink(tx, p, new Date(), -1)), "validation_failed");

  // A new unlink marks it afresh: in flight again, so not taken.
  const again = await as(p, (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id));
  assert.equal(
    await as(
      p,
      (tx) => nextStalledUnlink(tx, p, new Date(Date.parse(again.unlink_requested_at!) + 899_000), 900),
    ),
    null,
  );
  // Ended: nothing left to finish, and the unlink is audited once, as whoever asked last.
  await as(p, (tx) => unlinkMethod(tx, p, shop.userId, m.method_id));
  assert.equal(await stalled(86_400), null);
  assert.deepEqual(await audited(), ["billing.method_unlinked app"]);
});

Deno.test("api.next_stalled_unlink — a cleared mark (Xendit refused) is not taken, and the method lists no unlink", async () => {
  const { shop, p, m } = await activeMethod("stalled-cleared@example.com", "pm-stalled-cleared");
  const marked = await as(p, (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id));
  await as(p, (tx) => cancelMethodUnlink(tx, p, shop.userId, m.method_id, marked.unlink_requested_at!));
  assert.equal(await as(p, (tx) => nextStalledUnlink(tx, p, new Date(Date.now() + 86_400_000), 900)), null);
  const [listed] = await as(p, (tx) => listLinkedMethods(tx, p, shop.userId));
  assert.deepEqual([listed.status, listed.unlink_requested_at], ["active", null]);
  const attempted = rows(
    await db.sql`select unlink_attempted_at from astapa.linked_methods where public_id = ${m.method_id}`,
  );
  assert.deepEqual(attempted, [{ unlink_attempted_at: null }]);
});

Deno.test("api.projects_with_billing_work — a project whose only work is an unlink under way is listed", async () => {
  const { shop, p, m } = await activeMethod("stalled-work@example.com", "pm-stalled-work");
  assert.ok(!(await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "nothing to do yet");
  await as(p, (tx) => requestMethodUnlink(tx, p, shop.userId, m.method_id));
  assert.ok((await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "an unlink may stall");
  await as(p, (tx) => unlinkMethod(tx, p, shop.userId, m.method_id));
  assert.ok(!(await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "ended: no work left");
});

Deno.test("linked methods — policies: a project sees only its own; api.linked_method_account only outside a project", async () => {
  const a = await linkingShop("lm-owner@example.com");
  const b = await linkingShop("lm-stranger@example.com");
  const m = await as(
    a.project.id,
    (tx) => startMethodLink(tx, a.project.id, a.userId, { channel: "DANA", ...through }),
  );
  assert.deepEqual(await as(null, (tx) => linkedMethodAccount(tx, m.method_id)), {
    project_id: a.project.id,
    environment: "sandbox",
    xendit_account: "simulator",
  });
  assert.equal(await as(null, (tx) => linkedMethodAccount(tx, "lpm_aaaaaaaaaaaaaaaaaaaaaaaa")), null);
  assert.equal(await as(null, (tx) => linkedMethodAccount(tx, "nope")), null);
  await rejectsAs(as(a.project.id, (tx) => linkedMethodAccount(tx, m.method_id)), "forbidden");
  assert.deepEqual(await as(b.project.id, (tx) => listLinkedMethods(tx, b.project.id, a.userId)), []);
  await rejectsAs(
    as(
      b.project.id,
      (tx) =>
        applyMethodCallback(tx, a.project.id, m.method_id, {
          event: "payment_method.activated",
          provider_id: "x",
        }),
    ),
    "not_found",
  );
  await rejectsAs(
    as(b.project.id, (tx) => unlinkMethod(tx, a.project.id, a.userId, m.method_id)),
    "not_found",
  );
  assert.deepEqual(rows(await as(null, (tx) => tx`select * from astapa.linked_methods`)), []);
  assert.deepEqual(rows(await as(b.project.id, (tx) => tx`select * from astapa.linked_methods`)), []);
  await rejectsAs(
    as(a.project.id, (tx) => tx`update astapa.linked_methods set channel = 'OVO'`),
    "forbidden",
  );
  await rejectsAs(
    as(
      b.project.id,
      (tx) =>
        tx`insert into astapa.linked_methods (project_id, user_id, environment, xendit_account, channel, label)
         values (${a.project.id}, ${a.userId}::bigint, 'sandbox', 'simulator', 'DANA', 'DANA')`,
    ),
    "forbidden",
  );
});

Deno.test("api.start_method_link — direct debit and cards: behind their switches, masked to the last four digits", async () => {
  const shop = await linkingShop("link-dd-card@example.com");
  const p = shop.project.id;
  const bri = { channel: "BRI", mobile_number: "+6281234567890", card_last_four: "1234", ...through };
  const card = { channel: "CARD", card_last_four: "1091", card_network: "visa", ...through };
  for (const link of [bri, { channel: "MANDIRI", ...through }, card]) {
    await rejectsAs(as(p, (tx) => startMethodLink(tx, p, shop.userId, link)), "conflict", /not enabled/);
  }
  await as(
    p,
    (tx) => updateProjectSettings(tx, p, { linked_methods: { enabled: true, direct_debit: true } }),
  );
  const linkedBri = await as(p, (tx) => startMethodLink(tx, p, shop.userId, bri));
  const mandiri = await as(
    p,
    (tx) => startMethodLink(tx, p, shop.userId, { channel: "mandiri", ...through }),
  );
  assert.deepEqual([linkedBri.channel, linkedBri.label], ["BRI", "BRI •••• 1234"]);
  assert.deepEqual([mandiri.channel, mandiri.label], ["MANDIRI", "MANDIRI"]);
  await rejectsAs(as(p, (tx) => startMethodLink(tx, p, shop.userId, card)), "conflict", /CARD/);
  await as(p, (tx) => updateProjectSettings(tx, p, { linked_methods: { enabled: true, cards: true } }));
  const linkedCard = await as(p, (tx) => startMethodLink(tx, p, shop.userId, card));
  assert.deepEqual([linkedCard.channel, linkedCard.label], ["CARD", "VISA •••• 1091"]);

  // Only the last four digits are taken; BRI needs the card's phone; a card needs its last four.
  const refused = [
    { ...bri, card_last_four: "4000000000001091" },
    { ...bri, mobile_number: undefined },
    { ...bri, card_last_four: undefined },
    { channel: "CARD", ...through },
    { ...card, card_network: "visa; drop" },
  ];
  for (const link of refused) {
    await rejectsAs(as(p, (tx) => startMethodLink(tx, p, shop.userId, link)), "validation_failed");
  }
  const stored = await as(
    p,
    async (tx) => rows(await tx`select label from astapa.linked_methods order by id`),
  );
  assert.ok(stored.every((r) => !/\d{5}/.test(r.label as string)), "no more than four digits are stored");
  await rejectsAs(
    as(p, (tx) => updateProjectSettings(tx, p, { linked_methods: { enabled: true, cards: "yes" } })),
    "validation_failed",
  );
});

Deno.test("api.billing_account — linkable channels follow the switches: direct debit and cards off by default", async () => {
  const shop = await linkingShop("link-channels@example.com");
  const p = shop.project.id;
  const channels = async () =>
    (await as(
      p,
      async (tx) =>
        rows(
          await tx`select api.billing_account(${p}, ${shop.userId}::bigint, now()) -> 'linkable_channels' as c`,
        ),
    ))[0].c;
  assert.deepEqual(await channels(), ["OVO", "DANA"]);
  await as(
    p,
    (tx) =>
      updateProjectSettings(tx, p, { linked_methods: { enabled: true, direct_debit: true, cards: true } }),
  );
  assert.deepEqual(await channels(), ["OVO", "DANA", "BRI", "MANDIRI", "CARD"]);
});

Deno.test("api.set_xendit_public_key / api.xendit_public_key — beside the project's keys, per environment, checked", async () => {
  const shop = await linkingShop("public-key@example.com");
  const other = await linkingShop("public-key-other@example.com");
  const p = shop.project.id;
  const sealed = { secretKey: new Uint8Array(40).fill(1), callbackToken: new Uint8Array(40).fill(2) };
  const key = "xnd_public_development_abcDEF123";
  await rejectsAs(
    as(p, (tx) => setXenditPublicKey(tx, p, "sandbox", key)),
    "conflict",
    /secret key and callback token of this environment first/,
  );
  await as(p, (tx) => setXenditKeys(tx, p, "sandbox", sealed));
  assert.equal(await as(p, (tx) => xenditPublicKey(tx, p, "sandbox")), null, "none until set");
  await as(p, (tx) => setXenditPublicKey(tx, p, "sandbox", key));
  assert.equal(await as(p, (tx) => xenditPublicKey(tx, p, "sandbox")), key);
  assert.equal(await as(p, (tx) => xenditPublicKey(tx, p, "production")), null);
  await as(p, (tx) => setXenditKeys(tx, p, "sandbox", sealed));
  assert.equal(await as(p, (tx) => xenditPublicKey(tx, p, "sandbox")), key, "replacing the secret keeps it");
  assert.equal(
    await as(other.project.id, (tx) => xenditPublicKey(tx, p, "sandbox")),
    null,
    "another project cannot read it",
  );
  await as(other.project.id, (tx) => setXenditKeys(tx, other.project.id, "sandbox", sealed));
  await rejectsAs(
    as(other.project.id, (tx) => setXenditPublicKey(tx, p, "sandbox", "xnd_public_development_x")),
    "conflict",
    /first/,
  );
  assert.equal(await as(p, (tx) => xenditPublicKey(tx, p, "sandbox")), key, "nor change it");
  await rejectsAs(
    as(p, (tx) => setXenditPublicKey(tx, p, "sandbox", "xnd_development_secret")),
    "validation_failed",
  );
  await rejectsAs(
    as(p, (tx) => setXenditPublicKey(tx, p, "sandbox", "xnd_public_production_abc")),
    "validation_failed",
    /development key for sandbox/,
  );
  const [audit] = rows(
    await as(
      p,
      (tx) =>
        tx`select details from astapa.audit_log where action = 'xendit_keys.set' and details ? 'public_key'`,
    ),
  );
  assert.deepEqual(audit.details, { environment: "sandbox", public_key: key });
  await as(p, (tx) => setXenditPublicKey(tx, p, "sandbox", null));
  assert.equal(await as(p, (tx) => xenditPublicKey(tx, p, "sandbox")), null, "removed");
});

Deno.test("api.list_linked_methods — the user's active and waiting methods, newest first; not another user's or project's", async () => {
  const shop = await linkingShop("list-methods@example.com");
  const p = shop.project.id;
  const start = (channel: string, userId = shop.userId, projectId = p) =>
    as(
      projectId,
      (tx) =>
        startMethodLink(tx, projectId, userId, { channel, mobile_number: "+6281234567890", ...through }),
    );
  const dana = await start("DANA");
  await as(
    p,
    (tx) =>
      applyMethodCallback(tx, p, dana.method_id, { event: "payment_method.activated", provider_id: "pm-l1" }),
  );
  const failed = await start("OVO");
  await as(p, (tx) => recordMethodLinkAnswer(tx, p, failed.method_id, { failure: "DECLINED" }));
  const waiting = await start("OVO");
  const neighbour = await seedUser(db.sql, p, "neighbour-methods@example.com");
  await start("DANA", neighbour);
  const other = await linkingShop("list-methods-other@example.com");
  await start("DANA", other.userId, other.project.id);

  const list = (acting: string, projectId: string, userId: string) =>
    as(
      acting,
      async (tx) =>
        (await tx`select api.list_linked_methods(${projectId}, ${userId}::bigint) as r`)[0].r as Record<
          string,
          unknown
        >[],
    );
  const listed = await list(p, p, shop.userId);
  assert.deepEqual(listed.map((m) => [m.method_id, m.status]), [
    [waiting.method_id, "requires_action"],
    [dana.method_id, "active"],
  ], "the failed one is not listed");
  assert.equal(listed[1].sub, shop.userId);
  assert.deepEqual(await list(p, p, "999999999"), []);
  assert.deepEqual(await list(p, other.project.id, other.userId), [], "another project's are not visible");
  assert.deepEqual(await list(other.project.id, p, shop.userId), []);
});

Deno.test("api.record_method_link_answer — provider id recorded once; a failure fails a waiting link only; AS400 without either; AS404", async () => {
  const shop = await linkingShop("answer-methods@example.com");
  const p = shop.project.id;
  const start = (channel = "OVO") =>
    as(
      p,
      (tx) => startMethodLink(tx, p, shop.userId, { channel, mobile_number: "+6281234567890", ...through }),
    );
  const answer = (methodId: string, body: Record<string, string>, acting = p, projectId = p) =>
    as(
      acting,
      async (tx) =>
        (await tx`select api.record_method_link_answer(${projectId}, ${methodId}, ${tx.json(body)}) as r`)[0]
          .r as Record<string, unknown>,
    );

  const m = await start("DANA");
  const answered = await answer(m.method_id, { provider_id: "pm-a1" });
  assert.deepEqual([answered.method_id, answered.status, answered.provider_id], [
    m.method_id,
    "requires_action",
    "pm-a1",
  ]);
  assert.equal(
    (await answer(m.method_id, { provider_id: "pm-a2" })).provider_id,
    "pm-a1",
    "the first is kept",
  );
  await rejectsAs(answer(m.method_id, {}), "validation_failed", /provider_id or a failure/);
  await rejectsAs(answer(m.method_id, { provider_id: "" }), "validation_failed");
  await as(
    p,
    (tx) =>
      applyMethodCallback(tx, p, m.method_id, { event: "payment_method.activated", provider_id: "pm-a1" }),
  );
  assert.equal(
    (await answer(m.method_id, { failure: "LATE" })).status,
    "active",
    "a failure after activation changes nothing",
  );

  const refused = await start();
  const failed = await answer(refused.method_id, { failure: "X".repeat(600) });
  assert.deepEqual([failed.status, (failed.failure_code as string).length], ["failed", 500]);

  await rejectsAs(answer("lpm_aaaaaaaaaaaaaaaaaaaaaaaa", { provider_id: "x" }), "not_found");
  const other = await linkingShop("answer-methods-other@example.com");
  const waiting = await start();
  await rejectsAs(
    answer(waiting.method_id, { failure: "X" }, other.project.id, other.project.id),
    "not_found",
  );
  await rejectsAs(answer(waiting.method_id, { failure: "X" }, other.project.id, p), "not_found");
  const [row] = await db
    .sql`select status, provider_id from astapa.linked_methods where public_id = ${waiting.method_id}`;
  assert.deepEqual(
    { ...row },
    { status: "requires_action", provider_id: null },
    "another project changed nothing",
  );
});
