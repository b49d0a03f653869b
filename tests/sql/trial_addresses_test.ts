/**
 * One free trial per address (db/api/trials.sql, migration 4321): astapa.mailbox_key and
 * astapa.trial_address_digests, and api.start_trial refusing an account whose mailbox or number already had the
 * plan's trial on another account — a deleted one's, a +tag, Gmail's dots — also when two start at once; guests
 * get none; api.user_trials and the customer portal list what the address had.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { updatePlan } from "@/db/plans.ts";
import { startTrial, userTrials } from "@/db/trials.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

/** A shop whose plan pro (IDR 99,000 a month) offers a 14-day trial. */
async function trialShop(email: string) {
  const shop = await seedShop(db.sql, { email });
  await as(shop.project.id, (tx) => updatePlan(tx, shop.project.id, "pro", { trial_days: 14 }));
  return shop;
}

const erase = (projectId: string, sub: string) =>
  as(projectId, (tx) => tx`select api.delete_user(${projectId}, ${sub}::bigint)`);

Deno.test("astapa.mailbox_key — case, +tags and Gmail's dots fold; the domain as mail delivers to it", async () => {
  const key = (email: string | null) =>
    appValue<string | null>(db.sql, null, (tx) => tx`select astapa.mailbox_key(${email})`);
  assert.equal(await key("Sari.Dewi+promo@Example.COM"), "sari.dewi@example.com");
  assert.equal(await key("s.a.r.i+1@googlemail.com"), "sari@gmail.com");
  assert.equal(await key("S.ARI@gmail.com."), "sari@gmail.com");
  assert.equal(await key("budi@ｅｘａｍｐｌｅ．com"), "budi@example.com");
  assert.equal(await key("budi@bücher.example"), "budi@xn--bcher-kva.example");
  assert.equal(await key("+only@example.com"), "@example.com");
  assert.equal(await key("no-at-sign"), null);
  assert.equal(await key(null), null);
});

Deno.test("astapa.trial_address_digests — one per address or number, differing between projects", async () => {
  const digests = (project: string, email: string | null, phone: string | null) =>
    appValue<Uint8Array[]>(
      db.sql,
      null,
      (tx) => tx`select astapa.trial_address_digests(${project}, ${email}, ${phone})`,
    );
  const both = await digests("proj_a", "ayu@example.com", "+6281234567890");
  assert.equal(both.length, 2);
  assert.ok(both.every((d) => d.length === 32));
  assert.deepEqual(await digests("proj_a", "Ayu+x@Example.com", null), [both[0]]);
  assert.deepEqual(await digests("proj_a", null, "+6281234567890"), [both[1]]);
  assert.deepEqual(await digests("proj_a", null, null), []);
  assert.notDeepEqual(await digests("proj_b", "ayu@example.com", null), [both[0]]);
});

Deno.test("api.start_trial — a new account of a deleted one's address, or a +tag of it, has no second trial", async () => {
  const shop = await trialShop("sari@example.com");
  const id = shop.project.id;
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  // An alias of a live account: another account, the same mailbox.
  const alias = await seedUser(db.sql, id, "Sari+again@example.com");
  await rejectsAs(
    as(id, (tx) => startTrial(tx, id, alias, "pro")),
    "conflict",
    /address of user \d+ has already had a trial of plan pro, on another account/,
  );
  // The account deleted, the address signs up again.
  await erase(id, shop.userId);
  const again = await seedUser(db.sql, id, "sari@example.com");
  await rejectsAs(as(id, (tx) => startTrial(tx, id, again, "pro")), "conflict", /on another account/);
  const listed = await as(id, (tx) => userTrials(tx, id, again));
  assert.deepEqual(listed.map((t) => [t.plan, t.other_account]), [["pro", true]]);
  // Nothing was left behind by the refusals: no trial, no subscription.
  const state = await as(
    id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.trials)::int as trials,
                     (select count(*) from astapa.trial_addresses)::int as addresses,
                     (select count(*) from astapa.subscriptions where source = 'trial')::int as trialing`)[0],
  );
  assert.deepEqual({ ...state }, { trials: 1, addresses: 1, trialing: 1 });
  // Another address starts its own; the portal lists the address's trial for the new account too.
  const other = await seedUser(db.sql, id, "dewi@example.com");
  const started = await as(id, (tx) => startTrial(tx, id, other, "pro"));
  assert.equal(started.status, "trialing");
  const own = await as(id, (tx) => userTrials(tx, id, other));
  assert.deepEqual(own.map((t) => [t.plan, t.other_account]), [["pro", false]]);
  const portal = await appValue<{ trials: string[] }>(
    db.sql,
    id,
    (tx) => tx`select api.billing_account(${id}, ${again}::bigint)`,
  );
  assert.deepEqual(portal.trials, ["pro"]);
});

Deno.test("api.start_trial — an unverified address never uses up the trial of whoever verifies it", async () => {
  const shop = await trialShop("shop-owner@verify.example");
  const id = shop.project.id;
  const verifiedUser = (email: string) => seedUser(db.sql, id, email, { verified: true });
  // Someone types another person's address (a +tag of it: nothing reaches them) and takes the trial.
  const squatter = await seedUser(db.sql, id, "Wulan+free@verify.example");
  await as(id, (tx) => startTrial(tx, id, squatter, "pro"));
  // Another unverified account of that mailbox is refused: any record stops an unverified address.
  const second = await seedUser(db.sql, id, "wulan+again@verify.example");
  await rejectsAs(as(id, (tx) => startTrial(tx, id, second, "pro")), "conflict", /on another account/);
  // Wulan herself, verified, is not stopped by it; her record is now the verified one.
  const wulan = await verifiedUser("wulan@verify.example");
  assert.deepEqual(await as(id, (tx) => userTrials(tx, id, wulan)), [], "an unverified record is not hers");
  await as(id, (tx) => startTrial(tx, id, wulan, "pro"));
  const held = await db.sql`select verified from astapa.trial_addresses where project_id = ${id}`;
  assert.deepEqual(held.map((r) => r.verified), [true]);
  // From then on a verified account of the mailbox is refused too, and sees why.
  await erase(id, wulan);
  const back = await verifiedUser("wulan@verify.example");
  await rejectsAs(as(id, (tx) => startTrial(tx, id, back, "pro")), "conflict", /on another account/);
  const listed = await as(id, (tx) => userTrials(tx, id, back));
  assert.deepEqual(listed.map((t) => [t.plan, t.other_account]), [["pro", true]]);
});

Deno.test("astapa.confirm_trial_addresses — verifying an address confirms only its own account's trial records", async () => {
  const shop = await trialShop("shop-owner@confirm.example");
  const id = shop.project.id;
  // An unverified squatter of a +tag records pro; the real person, unverified too, is refused pro.
  const squatter = await seedUser(db.sql, id, "rina+x@confirm.example");
  await as(id, (tx) => startTrial(tx, id, squatter, "pro"));
  const verified = () =>
    db.sql`select verified from astapa.trial_addresses where project_id = ${id}`.then((r) =>
      r.map((x) => x.verified)
    );
  // The person verifies their address: the squatter's record is not theirs to confirm.
  const rina = await seedUser(db.sql, id, "rina@confirm.example");
  await as(
    id,
    (tx) => tx`update astapa.users set email_verified = true where project_id = ${id} and id = ${rina}`,
  );
  assert.deepEqual(await verified(), [false]);
  // The squatter's own verification (they did hold the mailbox after all) confirms it.
  await as(
    id,
    (tx) => tx`update astapa.users set email_verified = true where project_id = ${id} and id = ${squatter}`,
  );
  assert.deepEqual(await verified(), [true]);
  // Now a verified account of the mailbox is refused, after the squatter's account is gone too.
  await erase(id, squatter);
  await rejectsAs(as(id, (tx) => startTrial(tx, id, rina, "pro")), "conflict", /on another account/);
});

Deno.test("api.start_trial — a phone number holds its trial too; guests have none", async () => {
  const shop = await trialShop("owner@phone.example");
  const id = shop.project.id;
  const byPhone = async (phone: string) => {
    const sub = await seedUser(db.sql, id, `${crypto.randomUUID()}@phone.example`);
    await db.sql`update astapa.users set email = null, phone_number = ${phone}
                 where project_id = ${id} and id = ${sub}`;
    return sub;
  };
  const first = await byPhone("+6281200000001");
  await as(id, (tx) => startTrial(tx, id, first, "pro"));
  const second = await byPhone("+6281200000002");
  await erase(id, first);
  await db
    .sql`update astapa.users set phone_number = '+6281200000001' where project_id = ${id} and id = ${second}`;
  await rejectsAs(as(id, (tx) => startTrial(tx, id, second, "pro")), "conflict", /on another account/);
  const guest = await appValue<string>(
    db.sql,
    id,
    (tx) =>
      tx`insert into astapa.users (project_id, environment, is_anonymous)
               values (${id}, 'sandbox', true) returning id::text`,
  );
  await rejectsAs(as(id, (tx) => startTrial(tx, id, guest, "pro")), "conflict", /is a guest/);
});

Deno.test("api.start_trial — two accounts of one mailbox starting at once: one trial, one 409", async () => {
  const shop = await trialShop("race@example.com");
  const id = shop.project.id;
  const alias = await seedUser(db.sql, id, "race+two@example.com");
  const results = await Promise.allSettled([
    as(id, (tx) => startTrial(tx, id, shop.userId, "pro")),
    as(id, (tx) => startTrial(tx, id, alias, "pro")),
  ]);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
  await rejectsAs(Promise.reject(refused.reason), "conflict", /on another account/);
  const counts = await as(
    id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.trials)::int as trials,
                     (select count(*) from astapa.subscriptions where source = 'trial')::int as trialing`)[0],
  );
  assert.deepEqual({ ...counts }, { trials: 1, trialing: 1 });
});

Deno.test("astapa.trial_addresses — a project reads and records only its own", async () => {
  const a = await trialShop("a@rls.example");
  const b = await trialShop("b@rls.example");
  await as(a.project.id, (tx) => startTrial(tx, a.project.id, a.userId, "pro"));
  const count = (project: string | null) =>
    appValue<number>(db.sql, project, (tx) => tx`select count(*)::int from astapa.trial_addresses`);
  assert.equal(await count(a.project.id), 1);
  assert.equal(await count(b.project.id), 0);
  assert.equal(await count(null), 0);
  await assert.rejects(
    as(
      b.project.id,
      (tx) =>
        tx`insert into astapa.trial_addresses (project_id, plan_key, address_digest, started_at, ends_at)
         values (${a.project.id}, 'pro', sha256('x'), now(), now() + interval '1 day')`,
    ),
    /row-level security/,
  );
});

Deno.test("api.start_trial — an old iCloud account's @me.com and @mac.com addresses are its @icloud.com mailbox", async () => {
  // Apple: an iCloud account made before 19 September 2012 has name@me.com and name@icloud.com (and, from
  // MobileMe, name@mac.com) — one mailbox, each address verifiable.
  const key = (email: string) =>
    appValue<string | null>(db.sql, null, (tx) => tx`select astapa.mailbox_key(${email})`);
  assert.equal(await key("Dewi.S+shop@ME.com"), "dewi.s@icloud.com");
  assert.equal(await key("dewi.s@mac.com."), "dewi.s@icloud.com");
  assert.equal(await key("dewi.s@icloud.com"), "dewi.s@icloud.com");
  const shop = await trialShop("dewi.s@icloud.com");
  const id = shop.project.id;
  await db
    .sql`update astapa.users set email_verified = true where project_id = ${id} and id = ${shop.userId}`;
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  for (const alias of ["dewi.s@me.com", "Dewi.S@Mac.com"]) {
    const other = await seedUser(db.sql, id, alias, { verified: true });
    await rejectsAs(as(id, (tx) => startTrial(tx, id, other, "pro")), "conflict", /on another account/);
  }
});

Deno.test("api.start_trial — sandbox trials never hold an address against the project's production accounts", async () => {
  const shop = await trialShop("intan@sandbox.example");
  const id = shop.project.id;
  const mode = (m: string) => db.sql`update astapa.projects set mode = ${m} where id = ${id}`;
  // A developer tries the trial in sandbox with a customer's (or their own) address, verified there.
  await db
    .sql`update astapa.users set email_verified = true where project_id = ${id} and id = ${shop.userId}`;
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  // Live, the person's own production account (the same address is another account there) has its trial.
  await mode("production");
  const live = await seedUser(db.sql, id, "intan@sandbox.example", { verified: true });
  assert.deepEqual(await as(id, (tx) => userTrials(tx, id, live)), [], "a sandbox trial is not shown live");
  await as(id, (tx) => startTrial(tx, id, live, "pro"));
  // Within production the rule holds as before, and back in sandbox a new test account is still refused there.
  const liveAlias = await seedUser(db.sql, id, "intan+2@sandbox.example", { verified: true });
  await rejectsAs(as(id, (tx) => startTrial(tx, id, liveAlias, "pro")), "conflict", /on another account/);
  await mode("sandbox");
  const test = await seedUser(db.sql, id, "intan+3@sandbox.example", { verified: true });
  await rejectsAs(as(id, (tx) => startTrial(tx, id, test, "pro")), "conflict", /on another account/);
  const held = await db.sql`select environment, verified from astapa.trial_addresses where project_id = ${id}
                            order by environment`;
  assert.deepEqual(held.map((r) => [r.environment, r.verified]), [["production", true], ["sandbox", true]]);
});

Deno.test("api.start_trial — a Proton account's addresses at its four domains are one mailbox", async () => {
  // Proton: an account's name@proton.me or name@protonmail.com, its short name@pm.me and (before 2016)
  // name@protonmail.ch are its own personal addresses, delivered to its one mailbox.
  const key = (email: string) =>
    appValue<string | null>(db.sql, null, (tx) => tx`select astapa.mailbox_key(${email})`);
  assert.equal(await key("Rina.Putri+shop@ProtonMail.com"), "rinaputri@proton.me");
  assert.equal(await key("rina.putri@pm.me."), "rinaputri@proton.me");
  assert.equal(await key("rina.putri@protonmail.ch"), "rinaputri@proton.me");
  assert.equal(await key("rina.putri@proton.me"), "rinaputri@proton.me");
  const shop = await trialShop("rina.putri@protonmail.com");
  const id = shop.project.id;
  await db
    .sql`update astapa.users set email_verified = true where project_id = ${id} and id = ${shop.userId}`;
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  for (const alias of ["rina.putri@pm.me", "Rina.Putri@proton.me", "rina.putri@protonmail.ch"]) {
    const other = await seedUser(db.sql, id, alias, { verified: true });
    await rejectsAs(as(id, (tx) => startTrial(tx, id, other, "pro")), "conflict", /on another account/);
  }
  const someoneElse = await seedUser(db.sql, id, "rina.putra@proton.me", { verified: true });
  await as(id, (tx) => startTrial(tx, id, someoneElse, "pro"));
});

Deno.test("api.start_trial — a Proton username's dots, underscores and hyphens are one username", async () => {
  // Proton: '.', '_' and '-' in a username are transparent — user.name and user_name are username, and no
  // other account can take them. Other characters (and other providers' dots) still tell names apart.
  const key = (email: string) =>
    appValue<string | null>(db.sql, null, (tx) => tx`select astapa.mailbox_key(${email})`);
  assert.equal(await key("Sari_Dewi@proton.me"), "saridewi@proton.me");
  assert.equal(await key("sari-dewi+promo@pm.me"), "saridewi@proton.me");
  assert.equal(await key("s.a.r.i.dewi@protonmail.com"), "saridewi@proton.me");
  assert.equal(await key("sari_dewi@example.com"), "sari_dewi@example.com");
  const shop = await trialShop("saridewi@proton.me");
  const id = shop.project.id;
  await db
    .sql`update astapa.users set email_verified = true where project_id = ${id} and id = ${shop.userId}`;
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  for (const alias of ["sari.dewi@proton.me", "Sari_Dewi@pm.me", "sari-dewi@protonmail.ch"]) {
    const other = await seedUser(db.sql, id, alias, { verified: true });
    await rejectsAs(as(id, (tx) => startTrial(tx, id, other, "pro")), "conflict", /on another account/);
  }
  const someoneElse = await seedUser(db.sql, id, "sari.dewi@example.com", { verified: true });
  await as(id, (tx) => startTrial(tx, id, someoneElse, "pro"));
});

Deno.test("api.start_trial — a Yandex login's addresses at Yandex's mail domains are one mailbox", async () => {
  // Yandex: an account's login at every Yandex mail domain is its own alias, delivered to its one mailbox.
  // Its dots and hyphens stay apart: no Yandex page found says they are one.
  const key = (email: string) =>
    appValue<string | null>(db.sql, null, (tx) => tx`select astapa.mailbox_key(${email})`);
  for (
    const domain of [
      "yandex.ru",
      "Yandex.COM",
      "ya.ru",
      "yandex.by",
      "yandex.kz",
      "yandex.ua",
      "yandex.com.tr.",
    ]
  ) {
    assert.equal(await key(`Ivan.Petrov+shop@${domain}`), "ivan.petrov@yandex.ru", domain);
  }
  assert.equal(await key("ivan-petrov@ya.ru"), "ivan-petrov@yandex.ru");
  assert.equal(await key("ivan@yandex.example"), "ivan@yandex.example");
  const shop = await trialShop("ivan.petrov@yandex.ru");
  const id = shop.project.id;
  await db
    .sql`update astapa.users set email_verified = true where project_id = ${id} and id = ${shop.userId}`;
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  for (const alias of ["ivan.petrov@ya.ru", "Ivan.Petrov@yandex.com", "ivan.petrov@yandex.com.tr"]) {
    const other = await seedUser(db.sql, id, alias, { verified: true });
    await rejectsAs(as(id, (tx) => startTrial(tx, id, other, "pro")), "conflict", /on another account/);
  }
  const someoneElse = await seedUser(db.sql, id, "ivan-petrov@yandex.ru", { verified: true });
  await as(id, (tx) => startTrial(tx, id, someoneElse, "pro"));
});

Deno.test("api.start_trial — Fastmail's subdomain addresses are the mailbox the subdomain names", async () => {
  // Fastmail: anything@name.fastmail.com is delivered as name+anything@fastmail.com, to name@fastmail.com (and
  // so at fastmail.fm). Only one label in front; a fastmail.com name is not its fastmail.fm one.
  const key = (email: string) =>
    appValue<string | null>(db.sql, null, (tx) => tx`select astapa.mailbox_key(${email})`);
  assert.equal(await key("Toko.Baru@Joko.FastMail.com"), "joko@fastmail.com");
  assert.equal(await key("promo+1@joko.fastmail.fm."), "joko@fastmail.fm");
  assert.equal(await key("joko@fastmail.fm"), "joko@fastmail.fm");
  assert.equal(await key("a@b.joko.fastmail.com"), "a@b.joko.fastmail.com");
  assert.equal(await key("a@joko.fastmail.example"), "a@joko.fastmail.example");
  const shop = await trialShop("joko@fastmail.com");
  const id = shop.project.id;
  await db
    .sql`update astapa.users set email_verified = true where project_id = ${id} and id = ${shop.userId}`;
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  for (const alias of ["anything@joko.fastmail.com", "Shop2@JOKO.fastmail.com"]) {
    const other = await seedUser(db.sql, id, alias, { verified: true });
    await rejectsAs(as(id, (tx) => startTrial(tx, id, other, "pro")), "conflict", /on another account/);
  }
  const fm = await seedUser(db.sql, id, "anything@joko.fastmail.fm", { verified: true });
  await as(id, (tx) => startTrial(tx, id, fm, "pro"));
});
