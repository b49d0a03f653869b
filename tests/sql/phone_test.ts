/**
 * db/api/phone.sql: phone codes (5 minutes, 5 attempts, single use), the limits per number, address and number
 * range, the daily budget, the country list, sign-in and sign-up by a verified number, the message log, the
 * settings check, and the policies of the two tables tried as the owner project, another project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import {
  checkPhoneCode,
  listPhoneMessages,
  logPhoneMessage,
  pendingPhoneCode,
  resendPhoneCode,
  startPhoneCode,
} from "@/db/phone.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const on = { phone: { enabled: true } };
const project = await seedProject(db.sql, { settings: on });
const other = await seedProject(db.sql, { settings: on });

const codeHash = (token: string, code: string) => sha256(`${token}:${code}`);
let counter = 0;
/** A fresh number in its own range, so one test's sends do not use another's allowance. */
const freshNumber = () => `+62812${String(1000000 + counter++ * 10000).padStart(7, "0")}`;

async function start(
  token: string,
  phone: string,
  options: { address?: string; projectId?: string; country?: string } = {},
) {
  return await startPhoneCode(db.sql, options.projectId ?? project.id, {
    phoneNumber: phone,
    country: options.country ?? "ID",
    channel: "whatsapp",
    tokenHash: await sha256(token),
    codeHash: await codeHash(token, "123456"),
  }, options.address ?? `10.0.${counter}.1`);
}
const check = async (token: string, code: string, projectId = project.id) =>
  await checkPhoneCode(db.sql, projectId, await sha256(token), await codeHash(token, code));

Deno.test("api.check_phone_code — the right code signs up a phone-only user once, then signs them in", async () => {
  const phone = freshNumber();
  assert.deepEqual(await start("t-signup", phone), { sent: true, sandbox: true });
  assert.equal((await pendingPhoneCode(db.sql, project.id, await sha256("t-signup")))?.phone_number, phone);
  const first = await check("t-signup", "123456");
  assert.equal(first.accepted, true);
  assert.equal(first.created, true);
  assert.equal(first.channel, "whatsapp");
  // Single use: the same code again is dead.
  assert.deepEqual(await check("t-signup", "123456"), { accepted: false, expired: true });
  const user = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) =>
      tx`select to_jsonb(u) - 'password_hash' from (select email, phone_number, phone_number_verified from astapa.users where id = ${
        first.user_id ?? null
      }) u`,
  );
  assert.deepEqual(user, { email: null, phone_number: phone, phone_number_verified: true });
  await start("t-again", phone);
  const again = await check("t-again", "123456");
  assert.deepEqual({ ...again }, {
    accepted: true,
    user_id: first.user_id,
    created: false,
    channel: "whatsapp",
  });
});

Deno.test("api.check_phone_code — five wrong codes kill the code; the right one after that is refused", async () => {
  await start("t-guess", freshNumber());
  for (let i = 0; i < 4; i++) {
    const wrong = await check("t-guess", `00000${i}`);
    assert.equal(wrong.accepted, false);
    assert.equal(wrong.attempts_left, 4 - i);
  }
  assert.equal((await check("t-guess", "000009")).expired, true);
  assert.deepEqual(await check("t-guess", "123456"), { accepted: false, expired: true });
  assert.equal(await pendingPhoneCode(db.sql, project.id, await sha256("t-guess")), null);
  const failures = await appValue<number>(
    db.sql,
    project.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'sign_in.phone_failed'`,
  );
  assert.ok(failures >= 5);
});

Deno.test("api.check_phone_code — an expired code is refused", async () => {
  await start("t-old", freshNumber());
  await db.sql`update astapa.phone_codes set created_at = now() - interval '6 minutes',
    expires_at = now() - interval '1 minute' where token_hash = sha256(convert_to('t-old', 'UTF8'))`;
  assert.deepEqual(await check("t-old", "123456"), { accepted: false, expired: true });
});

Deno.test("api.check_phone_code — an existing user with that number signs in; a disabled one does not", async () => {
  const phone = freshNumber();
  const user = await seedUser(db.sql, project.id, "phone-owner@example.com");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`update astapa.users set phone_number = ${phone} where id = ${user}`,
  );
  await start("t-owner", phone);
  assert.equal((await check("t-owner", "123456")).user_id, user);
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user})`);
  await start("t-disabled", phone);
  assert.deepEqual(await check("t-disabled", "123456"), { accepted: false, disabled: true });
});

Deno.test("api.check_phone_code — without sign-up a new number is accepted but creates nobody", async () => {
  const closed = await seedProject(db.sql, { settings: { phone: { enabled: true, signup: false } } });
  await start("t-closed", freshNumber(), { projectId: closed.id });
  const result = await check("t-closed", "123456", closed.id);
  assert.deepEqual({ ...result }, { accepted: true, user_id: null, channel: "whatsapp" });
});

Deno.test("api.start_phone_code — off by default, E.164 and a channel required, the country list holds", async () => {
  const off = await seedProject(db.sql);
  await rejectsAs(start("t-off", freshNumber(), { projectId: off.id }), "forbidden", /does not offer/);
  await rejectsAs(start("t-bad", "08123456789"), "validation_failed", /E\.164/);
  assert.deepEqual(await start("t-sg", "+6581234567", { country: "SG" }), { sent: false, reason: "country" });
  const sg = await seedProject(db.sql, { settings: { phone: { enabled: true, countries: ["ID", "SG"] } } });
  assert.equal((await start("t-sg2", "+6581234567", { country: "SG", projectId: sg.id })).sent, true);
});

Deno.test("api.start_phone_code — a number, an address and a number range each have an hourly ceiling", async () => {
  const live = await seedProject(db.sql, { settings: on });
  await db.sql`update astapa.projects set mode = 'production' where id = ${live.id}`;
  const phone = freshNumber();
  for (let i = 0; i < 5; i++) {
    assert.equal((await start(`t-n${i}`, phone, { projectId: live.id, address: `10.1.0.${i}` })).sent, true);
  }
  const sixth = await start("t-n5", phone, { projectId: live.id, address: "10.1.0.9" });
  assert.equal(sixth.sent, false);
  assert.ok(!sixth.sent && sixth.reason === "rate_limited" && (sixth.wait ?? 0) > 0);
  // Ten numbers from one address, then the address waits.
  const results = [];
  for (let i = 0; i < 11; i++) {
    results.push((await start(`t-a${i}`, freshNumber(), { projectId: live.id, address: "10.2.0.1" })).sent);
  }
  assert.deepEqual(results, [...Array(10).fill(true), false]);
  // Twenty numbers of one range (all but the last four digits), from many addresses.
  const range = [];
  for (let i = 0; i < 21; i++) {
    const numberInRange = `+628129999${String(i).padStart(4, "0")}`;
    range.push((await start(`t-r${i}`, numberInRange, { projectId: live.id, address: `10.3.${i}.1` })).sent);
  }
  assert.deepEqual(range, [...Array(20).fill(true), false]);
});

Deno.test("api.start_phone_code — the daily budget stops sending and is audited", async () => {
  const small = await seedProject(db.sql, { settings: { phone: { enabled: true, daily_budget: 2 } } });
  for (let i = 0; i < 2; i++) {
    assert.equal((await start(`t-b${i}`, freshNumber(), { projectId: small.id })).sent, true);
    await logPhoneMessage(db.sql, small.id, {
      phoneNumber: freshNumber(),
      channel: "whatsapp",
      provider: "sandbox",
      status: "sandbox",
      sandboxText: "code",
    }, "10.9.9.9");
  }
  const over = await start("t-b2", freshNumber(), { projectId: small.id });
  assert.ok(!over.sent && over.reason === "budget" && (over.wait ?? 0) > 0);
  const audited = await appValue<number>(
    db.sql,
    small.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'phone.budget_reached'`,
  );
  assert.equal(audited, 1);
});

Deno.test("phone.budget_reached — the message that uses up the budget fires the app webhook once a day", async () => {
  const small = await seedProject(db.sql, { settings: { phone: { enabled: true, daily_budget: 2 } } });
  const log = (status: "sent" | "failed" | "sandbox") =>
    logPhoneMessage(db.sql, small.id, {
      phoneNumber: freshNumber(),
      channel: "whatsapp",
      provider: status === "sandbox" ? "sandbox" : "meta_whatsapp",
      status,
      ...(status === "sandbox" ? { sandboxText: "code" } : {}),
    }, "10.9.8.7");
  const alerts = () =>
    appValue<Record<string, unknown>[]>(
      db.sql,
      small.id,
      (tx) =>
        tx`select coalesce(jsonb_agg(data order by id), '[]') from astapa.events
           where project_id = ${small.id} and type = 'phone.budget_reached'`,
    );
  await log("sandbox");
  await log("failed"); // a failed message costs nothing and does not count
  assert.deepEqual(await alerts(), []);
  await log("sent");
  const [alert] = await alerts();
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual({ ...alert, resets_at: undefined }, {
    date: today,
    daily_budget: 2,
    sent_today: 2,
    resets_at: undefined,
  });
  assert.equal(new Date(alert.resets_at as string).getTime(), Date.parse(`${today}T00:00:00Z`) + 86_400_000);
  // Refused sends and any later message the same day do not fire it again.
  const over = await start("t-alert", freshNumber(), { projectId: small.id });
  assert.equal(over.sent, false);
  await log("sandbox");
  assert.equal((await alerts()).length, 1);
  // Another project's budget is its own.
  assert.deepEqual(
    await appValue(
      db.sql,
      other.id,
      (tx) => tx`select count(*)::int from astapa.events where type = 'phone.budget_reached'`,
    ),
    0,
  );
});

Deno.test("phone.budget_reached — a budget found reached at a send (no alert yet today) fires it then", async () => {
  const small = await seedProject(db.sql, { settings: { phone: { enabled: true, daily_budget: 5 } } });
  for (let i = 0; i < 2; i++) {
    await logPhoneMessage(db.sql, small.id, {
      phoneNumber: freshNumber(),
      channel: "sms",
      provider: "sandbox",
      status: "sandbox",
      sandboxText: "code",
    }, "10.9.8.6");
  }
  // The project lowers its budget below what was already sent today: the next send is refused and alerts.
  await db.sql`update astapa.projects set settings = jsonb_set(settings, '{phone,daily_budget}', '1')
               where id = ${small.id}`;
  assert.equal((await start("t-lowered", freshNumber(), { projectId: small.id })).sent, false);
  assert.equal((await start("t-lowered2", freshNumber(), { projectId: small.id })).sent, false);
  const fired = await appValue<number>(
    db.sql,
    small.id,
    (tx) => tx`select count(*)::int from astapa.events where type = 'phone.budget_reached'`,
  );
  assert.equal(fired, 1);
});

Deno.test("daily budget — its day is the UTC day, whatever the session's time zone (astapa.phone_budget_day_start)", async () => {
  const small = await seedProject(db.sql, { settings: { phone: { enabled: true, daily_budget: 2 } } });
  // Two messages just after midnight UTC (today) and three just before it (yesterday). In Jakarta (UTC+7) the
  // local day starts 7 hours before or 17 hours after midnight UTC, so a day cut at the session's midnight
  // counts five or none, and its reset is hours away from midnight UTC.
  await db
    .sql`insert into astapa.phone_messages (project_id, phone_number, channel, provider, status, created_at)
    select ${small.id}, '+6281200000000', 'sms', 'sandbox', 'sandbox', at
    from (select date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' as midnight) m,
      lateral (values (least(now(), m.midnight + interval '1 second')), (least(now(), m.midnight)),
        (m.midnight - interval '1 second'), (m.midnight - interval '1 minute'), (m.midnight - interval '1 hour')) v(at)`;
  const inJakarta = (work: (tx: Tx) => Promise<unknown>) =>
    asApp(db.sql, small.id, async (tx) => {
      await tx`set local timezone = 'Asia/Jakarta'`;
      return await work(tx);
    });
  const [{ start, sent }] = await inJakarta((tx) =>
    tx`select astapa.phone_budget_day_start() as start, astapa.phone_sent_today(${small.id}) as sent`
  ) as { start: Date; sent: number }[];
  const midnightUtc = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  assert.equal(start.getTime(), midnightUtc);
  assert.equal(sent, 2);
  // The third message of the day is refused for the budget, until midnight UTC (counted from the same now()).
  const [{ d, until }] = await inJakarta(async (tx) =>
    tx`select api.start_phone_code(${freshNumber()}, 'ID', 'sms', ${await sha256("t-jakarta")},
      ${await codeHash("t-jakarta", "123456")}, '10.9.7.1') as d,
      greatest(1, ceil(extract(epoch from (${new Date(midnightUtc + 86_400_000)}::timestamptz - now()))))::int
        as until`
  ) as { d: { sent: boolean; reason?: string; wait?: number }; until: number }[];
  assert.deepEqual(d, { sent: false, reason: "budget", wait: until });
});

Deno.test("api.resend_phone_code — a new code by SMS replaces the old; a dead code cannot be resent", async () => {
  const phone = freshNumber();
  await start("t-sms", phone);
  const resent = await resendPhoneCode(db.sql, project.id, {
    tokenHash: await sha256("t-sms"),
    channel: "sms",
    codeHash: await codeHash("t-sms", "654321"),
  }, "10.4.0.1");
  assert.deepEqual(resent, { sent: true, sandbox: true, phone_number: phone });
  assert.equal((await check("t-sms", "123456")).accepted, false);
  const accepted = await check("t-sms", "654321");
  assert.equal(accepted.channel, "sms");
  const dead = await resendPhoneCode(db.sql, project.id, {
    tokenHash: await sha256("t-sms"),
    channel: "sms",
    codeHash: await codeHash("t-sms", "111111"),
  }, "10.4.0.1");
  assert.deepEqual(dead, { sent: false, reason: "expired" });
});

Deno.test("api.log_phone_message — the log keeps provider, status and cost; sandbox text only for sandbox", async () => {
  await logPhoneMessage(db.sql, other.id, {
    phoneNumber: "+6281200000001",
    channel: "sms",
    provider: "twilio_verify",
    status: "sent",
    providerMessageId: "VE123",
    cost: 0.05,
    currency: "USD",
  }, "10.5.0.1");
  const [latest] = await listPhoneMessages(db.sql, other.id);
  assert.equal(latest.provider, "twilio_verify");
  assert.equal(latest.cost, 0.05);
  assert.equal(latest.provider_message_id, "VE123");
  await assert.rejects(logPhoneMessage(db.sql, other.id, {
    phoneNumber: "+6281200000001",
    channel: "sms",
    provider: "twilio_verify",
    status: "sent",
    sandboxText: "leak",
  }, "10.5.0.1"));
});

Deno.test("phone tables — a project sees only its own codes and messages; no project sees none", async () => {
  await start("t-mine", freshNumber());
  assert.equal(await pendingPhoneCode(db.sql, other.id, await sha256("t-mine")), null);
  assert.deepEqual(await check("t-mine", "123456", other.id), { accepted: false, expired: true });
  const counts = async (projectId: string | null) =>
    await appValue<number>(
      db.sql,
      projectId,
      (tx) =>
        tx`select (select count(*) from astapa.phone_codes) + (select count(*) from astapa.phone_messages)`,
    );
  assert.equal(Number(await counts(null)), 0);
  const otherCodes = await appValue<number>(
    db.sql,
    other.id,
    (tx) => tx`select count(*)::int from astapa.phone_codes where project_id <> ${other.id}`,
  );
  assert.equal(otherCodes, 0);
  await assert.rejects(
    asApp(
      db.sql,
      other.id,
      (tx) =>
        tx`insert into astapa.phone_messages (project_id, phone_number, channel, provider, status)
       values (${project.id}, '+6281200000001', 'sms', 'x', 'sent')`,
    ),
  );
});

Deno.test("settings.phone — checked by api.update_project_settings", async () => {
  const update = (value: unknown) =>
    asApp(
      db.sql,
      other.id,
      (tx) =>
        tx`select api.update_project_settings(${other.id}, ${JSON.stringify({ phone: value })}::text::jsonb)`,
      {
        actor: "test",
      },
    );
  await update({ enabled: true, countries: ["ID", "MY"], daily_budget: 50 });
  await rejectsAs(update({ enabled: "yes" }), "validation_failed", /true or false/);
  await rejectsAs(update({ countries: ["id"] }), "validation_failed", /two-letter/);
  await rejectsAs(update({ daily_budget: 0 }), "validation_failed", /whole numbers/);
  await rejectsAs(update({ provider: "x" }), "validation_failed", /phone must be/);
});

Deno.test("tokens — a phone-only user's grant has phone_number claims and no email ones", async () => {
  await start("t-claims", freshNumber());
  const { user_id } = await check("t-claims", "123456");
  const info = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_info(${user_id ?? null}, ${"cid_test"}, ${"openid"})`,
  );
  assert.equal(info.email, undefined);
  assert.equal(info.email_verified, undefined);
  assert.match(String(info.phone_number), /^\+62812/);
  assert.equal(info.phone_number_verified, true);
});

Deno.test("api.queue_mail — a phone-only user (no address) gets nothing queued, and nothing fails", async () => {
  const queued = await appValue<unknown>(
    db.sql,
    project.id,
    (tx) => tx`select api.queue_mail(null, 'Receipt', 'text', 'receipt')`,
  );
  assert.equal(queued, null);
  const viaJson = await appValue<unknown>(
    db.sql,
    project.id,
    (tx) =>
      tx`select api.queue_mail(${project.id}, '{"to": null, "template": "receipt", "subject": "s", "text": "t"}')`,
  );
  assert.equal(viaJson, null);
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) =>
        tx`select api.queue_mail(${project.id}, '{"template": "receipt", "subject": "s", "text": "t"}')`,
    ),
    "validation_failed",
    /needs to/,
  );
  const count = await appValue<number>(
    db.sql,
    project.id,
    (tx) => tx`select count(*)::int from astapa.mail_outbox`,
  );
  assert.equal(count, 0);
});

Deno.test("users — a number belongs to one user per project and environment; malformed numbers are refused", async () => {
  const first = await seedUser(db.sql, other.id, "first-phone@example.com");
  const second = await seedUser(db.sql, other.id, "second-phone@example.com");
  const setPhone = (user: string, phone: string) =>
    asApp(db.sql, other.id, (tx) => tx`update astapa.users set phone_number = ${phone} where id = ${user}`);
  await setPhone(first, "+6281288880001");
  await assert.rejects(setPhone(second, "+6281288880001"), /users_phone_number_key/);
  await assert.rejects(setPhone(second, "081288880002"), /users_phone_number_check/);
  // Another project may have a user with the same number.
  const elsewhere = await seedUser(db.sql, project.id, "elsewhere-phone@example.com");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`update astapa.users set phone_number = '+6281288880001' where id = ${elsewhere}`,
  );
  // Neither email nor phone: refused.
  await assert.rejects(
    asApp(db.sql, other.id, (tx) => tx`update astapa.users set email = null where id = ${second}`),
    /users_email_or_phone_check/,
  );
});

Deno.test("api.pending_phone_code — the live code a token names with attempts left; null once used, expired, dead or another project's", async () => {
  const phone = freshNumber();
  await start("t-pending", phone);
  const token = await sha256("t-pending");
  const pending = (projectId = project.id) =>
    appValue<Record<string, unknown> | null>(
      db.sql,
      projectId,
      (tx) => tx`select api.pending_phone_code(${token})`,
    );
  const live = (await pending())!;
  assert.deepEqual({ ...live, expires_at: typeof live.expires_at }, {
    phone_number: phone,
    channel: "whatsapp",
    attempts_left: 5,
    expires_at: "string",
  });
  const minutes = (new Date(live.expires_at as string).getTime() - Date.now()) / 60_000;
  assert.ok(minutes > 4 && minutes <= 5, `expires in 5 minutes, not ${minutes}`);
  assert.equal(await pending(other.id), null, "another project does not see it");
  await check("t-pending", "000000");
  assert.equal((await pending())!.attempts_left, 4);
  await check("t-pending", "123456");
  assert.equal(await pending(), null, "used");

  await start("t-expired", freshNumber());
  await db.sql`update astapa.phone_codes set created_at = now() - interval '6 minutes',
                 expires_at = now() - interval '1 minute'
               where token_hash = ${await sha256("t-expired")}`;
  assert.equal(
    await appValue(
      db.sql,
      project.id,
      async (tx) => tx`select api.pending_phone_code(${await sha256("t-expired")})`,
    ),
    null,
    "expired",
  );
  await start("t-dead", freshNumber());
  for (let i = 0; i < 5; i++) await check("t-dead", "000000");
  assert.equal(
    await appValue(
      db.sql,
      project.id,
      async (tx) => tx`select api.pending_phone_code(${await sha256("t-dead")})`,
    ),
    null,
    "five attempts used",
  );
});

Deno.test("api.list_phone_messages — the current project's latest messages, newest first, max_rows 1 to 500; another project's not", async () => {
  const own = await seedProject(db.sql, { settings: on });
  const log = (projectId: string, phoneNumber: string, fields: Record<string, unknown> = {}) =>
    logPhoneMessage(db.sql, projectId, {
      phoneNumber,
      channel: "sms",
      provider: "twilio_verify",
      status: "sent",
      ...fields,
    }, "10.6.0.1");
  await log(own.id, "+6281200000011", { providerMessageId: "VE1", cost: 0.05, currency: "USD" });
  await log(own.id, "+6281200000012", { status: "failed", error: "undeliverable" });
  await log(other.id, "+6281200000013");
  const list = (projectId: string | null, max?: number) =>
    appValue<Record<string, unknown>[]>(
      db.sql,
      projectId,
      (tx) =>
        max === undefined ? tx`select api.list_phone_messages()` : tx`select api.list_phone_messages(${max})`,
    );
  const listed = await list(own.id);
  assert.deepEqual(listed.map((m) => ({ ...m, id: typeof m.id, created_at: typeof m.created_at })), [
    {
      id: "string",
      phone_number: "+6281200000012",
      channel: "sms",
      provider: "twilio_verify",
      status: "failed",
      error: "undeliverable",
      created_at: "string",
    },
    {
      id: "string",
      phone_number: "+6281200000011",
      channel: "sms",
      provider: "twilio_verify",
      status: "sent",
      provider_message_id: "VE1",
      cost: 0.05,
      currency: "USD",
      created_at: "string",
    },
  ], "newest first, nulls left out, the other project's message not among them");
  assert.deepEqual((await list(own.id, 1)).map((m) => m.phone_number), ["+6281200000012"]);
  assert.deepEqual((await list(own.id, 0)).map((m) => m.phone_number), ["+6281200000012"], "at least one");
  assert.equal((await list(own.id, 10_000)).length, 2);
  assert.deepEqual(await list(null), [], "no project, no messages");
});
