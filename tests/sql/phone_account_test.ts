/**
 * db/api/phone.sql, adding a number from the account page: the code is bound to the signed-in person, counts
 * only once typed back (five attempts, single use), a number another account holds is refused only after the
 * code proves the person holds it, a sign-in code and an account code cannot stand in for each other, and a
 * stale session (not fresh, or ended) is refused.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { checkPhoneCode, startPhoneCode } from "@/db/phone.ts";
import { accountConfirmPhone, accountStartPhoneCode } from "@/db/phone_account.ts";
import { accountOverview } from "@/db/account.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { settings: { phone: { enabled: true } } });
const off = await seedProject(db.sql);
const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

const codeHash = (token: string, code: string) => sha256(`${token}:${code}`);
let counter = 0;
const freshNumber = () => `+62813${String(1000000 + counter++ * 10000).padStart(7, "0")}`;

/** A signed-in person of the project: their session's token hash and id. */
async function person(email: string, projectId = project.id) {
  const user = await seedUser(db.sql, projectId, email);
  const session = await sha256(randomSecret());
  await asApp(db.sql, projectId, (tx) => tx`select api.start_login_session(${user}, ${session})`);
  return { user, session };
}
const start = async (session: Uint8Array, token: string, phone: string, projectId = project.id) =>
  await accountStartPhoneCode(db.sql, projectId, session, {
    phoneNumber: phone,
    country: "ID",
    channel: "whatsapp",
    tokenHash: await sha256(token),
    codeHash: await codeHash(token, "123456"),
    freshSeconds: 600,
  }, `10.1.${counter}.1`);
const confirm = async (session: Uint8Array, token: string, code: string) =>
  await accountConfirmPhone(db.sql, project.id, session, await sha256(token), await codeHash(token, code));
const phoneOf = (user: string) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) =>
      tx`select jsonb_build_object('phone', phone_number, 'verified', phone_number_verified)
         from astapa.users where id = ${user}`,
  );

Deno.test("api.account_confirm_phone — the number counts only once the code is typed back, then it is verified", async () => {
  const dewi = await person("dewi.phone@example.com");
  const phone = freshNumber();
  assert.deepEqual(await start(dewi.session, "a-add", phone), { sent: true, sandbox: true });
  assert.deepEqual(await phoneOf(dewi.user), { phone: null, verified: false });
  assert.deepEqual(await confirm(dewi.session, "a-add", "000000"), {
    accepted: false,
    expired: false,
    attempts_left: 4,
  });
  assert.deepEqual(await confirm(dewi.session, "a-add", "123456"), { accepted: true, phone_number: phone });
  assert.deepEqual(await phoneOf(dewi.user), { phone, verified: true });
  assert.deepEqual(await confirm(dewi.session, "a-add", "123456"), { accepted: false, expired: true });
  // Changing it: the new number replaces the old one, and the change is audited with the old number.
  const next = freshNumber();
  await start(dewi.session, "a-change", next);
  assert.equal((await confirm(dewi.session, "a-change", "123456")).accepted, true);
  assert.deepEqual(await phoneOf(dewi.user), { phone: next, verified: true });
  const [audit] = await db.sql`select details from astapa.audit_log
    where project_id = ${project.id} and target = ${"user:" + dewi.user} and action = 'user.profile_updated'
    order by id desc limit 1`;
  assert.deepEqual(audit.details, { fields: ["phone_number"], by: "user", previous: phone });
});

Deno.test("api.account_confirm_phone — five wrong codes kill it; only the person who asked can spend it", async () => {
  const asker = await person("asker.phone@example.com");
  const other = await person("other.phone@example.com");
  await start(asker.session, "a-tries", freshNumber());
  // Another signed-in person holding the token still cannot spend it: the code is bound to the asker.
  assert.deepEqual(await confirm(other.session, "a-tries", "123456"), { accepted: false, expired: true });
  for (let left = 4; left >= 0; left--) {
    assert.equal((await confirm(asker.session, "a-tries", "999999")).attempts_left, left);
  }
  assert.deepEqual(await confirm(asker.session, "a-tries", "123456"), { accepted: false, expired: true });
  assert.deepEqual(await phoneOf(asker.user), { phone: null, verified: false });
});

Deno.test("api.account_confirm_phone — a number another account holds is refused after the code, and stays theirs", async () => {
  const holder = await person("holder.phone@example.com");
  const phone = freshNumber();
  await start(holder.session, "a-holder", phone);
  await confirm(holder.session, "a-holder", "123456");
  const taker = await person("taker.phone@example.com");
  // Asking tells nothing about whose number it is: the code goes out like for any number.
  assert.deepEqual(await start(taker.session, "a-taker", phone), { sent: true, sandbox: true });
  assert.deepEqual(await confirm(taker.session, "a-taker", "123456"), { accepted: false, taken: true });
  assert.deepEqual(await phoneOf(taker.user), { phone: null, verified: false });
  assert.deepEqual(await phoneOf(holder.user), { phone, verified: true });
  assert.deepEqual(await confirm(taker.session, "a-taker", "123456"), { accepted: false, expired: true });
});

Deno.test("account phone codes — a sign-in code and an account code cannot stand in for each other", async () => {
  const p = await person("cross.phone@example.com");
  const phone = freshNumber();
  await start(p.session, "a-cross", phone);
  const asSignIn = await checkPhoneCode(
    db.sql,
    project.id,
    await sha256("a-cross"),
    await codeHash("a-cross", "123456"),
  );
  assert.deepEqual(asSignIn, { accepted: false, expired: true });
  await startPhoneCode(db.sql, project.id, {
    phoneNumber: phone,
    country: "ID",
    channel: "whatsapp",
    tokenHash: await sha256("s-cross"),
    codeHash: await codeHash("s-cross", "123456"),
  }, "10.9.9.9");
  assert.deepEqual(await confirm(p.session, "s-cross", "123456"), { accepted: false, expired: true });
  assert.equal((await confirm(p.session, "a-cross", "123456")).accepted, true);
});

Deno.test("api.account_start_phone_code — a stale or ended session, phone codes off, or a bad country are refused", async () => {
  const p = await person("stale.phone@example.com");
  await db.sql`update astapa.login_sessions set created_at = now() - interval '11 minutes'
               where token_hash = ${p.session}`;
  await rejectsAs(start(p.session, "a-stale", freshNumber()), "forbidden", /fresh sign-in/);
  await rejectsAs(start(await sha256("no session"), "a-none", freshNumber()), "invalid_grant");
  const elsewhere = await person("off.phone@example.com", off.id);
  // The page's refusal, an answer rather than an error: the account page says "unavailable".
  assert.deepEqual(await start(elsewhere.session, "a-off", freshNumber(), off.id), {
    sent: false,
    reason: "unavailable",
  });
  // Before the session is looked at, as the page checked it: an ended session is told the same.
  assert.deepEqual(await start(await sha256("no session"), "a-off-none", freshNumber(), off.id), {
    sent: false,
    reason: "unavailable",
  });
  // astapa.insert_phone_code itself still refuses an account code there.
  await rejectsAs(
    asApp(
      db.sql,
      off.id,
      async (tx) =>
        tx`select astapa.insert_phone_code(astapa.phone_settings(${off.id}), ${freshNumber()}, 'ID', 'whatsapp',
        ${await sha256("a-off-direct")},
        ${await sha256("a-off-direct:123456")}, '10.3.3.4', ${elsewhere.user}::bigint, 'account')`,
    ),
    "forbidden",
    /does not offer phone numbers/,
  );
  const fresh = await person("country.phone@example.com");
  const abroad = await accountStartPhoneCode(db.sql, project.id, fresh.session, {
    phoneNumber: "+6591234567",
    country: "SG",
    channel: "sms",
    tokenHash: await sha256("a-sg"),
    codeHash: await codeHash("a-sg", "123456"),
    freshSeconds: 600,
  }, "10.2.2.2");
  assert.deepEqual(abroad, { sent: false, reason: "country" });
  const [{ n }] = await db
    .sql`select count(*)::int as n from astapa.phone_codes where user_id = ${fresh.user}`;
  assert.equal(n, 0);
});

Deno.test("api.account_start_phone_code — the phone factor alone lets a person add a number, not sign in by phone", async () => {
  const factorOnly = await seedProject(db.sql, { settings: { mfa: { policy: "optional", phone: true } } });
  const p = await person("factor.phone@example.com", factorOnly.id);
  const phone = freshNumber();
  assert.deepEqual(await start(p.session, "a-factor", phone, factorOnly.id), { sent: true, sandbox: true });
  const [{ purpose }] = await db.sql`select purpose from astapa.phone_codes where token_hash = ${await sha256(
    "a-factor",
  )}`;
  assert.equal(purpose, "account");
  // Sign-in codes still need phone sign-in.
  await rejectsAs(
    asApp(
      db.sql,
      factorOnly.id,
      async (tx) =>
        tx`select astapa.insert_phone_code(astapa.phone_settings(${factorOnly.id}), ${freshNumber()}, 'ID',
        'whatsapp', ${await sha256("s-factor")},
        ${await sha256("s-factor:123456")}, '10.3.3.3', null, 'sign_in')`,
    ),
    "forbidden",
    /does not offer sign-in by phone/,
  );
});

Deno.test("api.account_start_phone_code — each call judges the project's settings as they are then", async () => {
  const changing = await seedProject(db.sql, { settings: { phone: { enabled: true } } });
  const p = await person("changing.phone@example.com", changing.id);
  const setTo = (settings: Record<string, unknown>) =>
    db.sql`update astapa.projects set settings = ${db.sql.json(settings as never)} where id = ${changing.id}`;
  // Every step's answer comes from the settings of that moment: a refusal where nothing is offered, never an
  // AS403 from astapa.insert_phone_code after the page's own check let the call through.
  const steps: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ phone: { enabled: true } }, { sent: true, sandbox: true }],
    [{}, { sent: false, reason: "unavailable" }],
    [{ mfa: { policy: "optional", phone: true } }, { sent: true, sandbox: true }],
    [{ mfa: { policy: "off", phone: true } }, { sent: false, reason: "unavailable" }],
    [{ phone: { enabled: true, countries: ["SG"] } }, { sent: false, reason: "country" }],
  ];
  for (const [index, [settings, expected]] of steps.entries()) {
    await setTo(settings);
    const token = `a-changing-${index}`;
    assert.deepEqual(
      await start(p.session, token, freshNumber(), changing.id),
      expected,
      JSON.stringify(settings),
    );
    const [{ n }] = await db.sql`select count(*)::int as n from astapa.phone_codes
      where token_hash = ${await sha256(token)}`;
    assert.equal(n, expected.sent ? 1 : 0, `a code stored only when sent: ${JSON.stringify(settings)}`);
  }
});

Deno.test("astapa.phone_number_addable — phone sign-in or the phone second factor (not with the MFA policy off); api.account_overview says it", async () => {
  const cases: [Record<string, unknown>, boolean, boolean][] = [
    [{}, false, false],
    [{ phone: { enabled: true } }, true, false],
    [{ mfa: { policy: "optional", phone: true } }, true, true],
    [{ mfa: { policy: "required", phone: true } }, true, true],
    // Nobody is asked for a second factor with the policy off: the phone is no factor there.
    [{ mfa: { policy: "off", phone: true } }, false, false],
    [{ mfa: { policy: "optional", phone: false } }, false, false],
    [{ phone: { enabled: true }, mfa: { policy: "off", phone: true } }, true, false],
  ];
  for (const [settings, addable, secondFactor] of cases) {
    const p = await seedProject(db.sql, { settings });
    const rule = await appValue<Record<string, boolean>>(
      db.sql,
      p.id,
      (tx) =>
        tx`select jsonb_build_object('addable', astapa.phone_number_addable(s), 'second_factor', s -> 'second_factor')
           from astapa.phone_settings(${p.id}) as s`,
    );
    assert.deepEqual(rule, { addable, second_factor: secondFactor }, JSON.stringify(settings));
    const someone = await person(`overview.${counter++}@example.com`, p.id);
    const overview = await accountOverview(db.sql, p.id, someone.session, null);
    assert.deepEqual(overview?.phone, { addable, second_factor: secondFactor }, JSON.stringify(settings));
    const started = await start(someone.session, `a-rule-${counter}`, freshNumber(), p.id);
    assert.equal(started.sent || started.reason !== "unavailable", addable, JSON.stringify(settings));
  }
  assert.equal(await appValue(db.sql, null, (tx) => tx`select astapa.phone_number_addable(null)`), false);
});

Deno.test("api.set_user_phone and api.find_user_by_phone — the app's own setting, checked in SQL", async () => {
  const { user } = await person("platform.phone@example.com");
  const phone = freshNumber();
  const set = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.set_user_phone(${project.id}, ${user}::bigint, ${phone}, false) as u`,
  );
  assert.equal(set[0].u.phone_number_verified, false);
  const found = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.find_user_by_phone(${project.id}, ${phone}) as u`,
  );
  assert.equal(found[0].u.id, user);
  // Another project sees neither the user nor the number.
  const elsewhere = await asApp(
    db.sql,
    off.id,
    (tx) => tx`select api.find_user_by_phone(${project.id}, ${phone}) as u`,
  );
  assert.equal(elsewhere[0].u, null);
  await rejectsAs(
    asApp(
      db.sql,
      off.id,
      (tx) => tx`select api.set_user_phone(${project.id}, ${user}::bigint, ${phone}, true)`,
    ),
    "not_found",
  );
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.set_user_phone(${project.id}, ${user}::bigint, '0812', true)`,
    ),
    "validation_failed",
    /E\.164/,
  );
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.set_user_phone(${project.id}, ${user}::bigint, ${phone}, null)`,
    ),
    "validation_failed",
    /verified must be true or false/,
  );
  assert.deepEqual(await phoneOf(user), { phone, verified: false });
});

Deno.test("api.set_user_phone — never takes the last way in: removing or unverifying the number that signs someone in is refused", async () => {
  const setPhone = (user: string, phone: string | null, verified: boolean, projectId = project.id) =>
    asApp(
      db.sql,
      projectId,
      (tx) => tx`select api.set_user_phone(${projectId}, ${user}::bigint, ${phone}, ${verified}) as u`,
    ).then((rows) => rows[0].u);
  // Rina has an email (unproven, no password, no email codes): a code to her number is her only way in.
  const { user: rina } = await person("rina.by.phone@example.com");
  const number = freshNumber();
  await setPhone(rina, number, true);
  for (const [phone, verified] of [[null, false], [number, false], [freshNumber(), false]] as const) {
    await rejectsAs(setPhone(rina, phone, verified), "conflict", /only way this user can sign in/);
  }
  assert.deepEqual(await phoneOf(rina), { phone: number, verified: true }, "the refusal changed nothing");
  // Another verified number is still a way in.
  const next = freshNumber();
  assert.equal((await setPhone(rina, next, true)).phone_number, next);
  const audits = await db.sql`select count(*)::int as n from astapa.audit_log
    where target = ${"user:" + rina} and action = 'user.profile_updated'`;
  assert.equal(audits[0].n, 2, "only the two changes made are audited");

  // A password beside it: the number may go.
  await db.sql`update astapa.users set password_hash = ${ARGON} where id = ${rina}`;
  assert.equal((await setPhone(rina, null, false)).phone_number, null);

  // Email codes and a proven address are a way in too.
  const codes = await seedProject(db.sql, { settings: { phone: { enabled: true }, email_codes: true } });
  const byCode = await seedUser(db.sql, codes.id, "by.code@example.com", { verified: true });
  await setPhone(byCode, freshNumber(), true, codes.id);
  assert.equal((await setPhone(byCode, null, false, codes.id)).phone_number, null);

  // Nobody signs in by phone where phone sign-in is off: the number was no way in, and someone with none
  // before loses nothing.
  const { user: offUser } = await person("phone.off@example.com", off.id);
  await setPhone(offUser, freshNumber(), true, off.id);
  assert.equal((await setPhone(offUser, null, false, off.id)).phone_number, null);
});
