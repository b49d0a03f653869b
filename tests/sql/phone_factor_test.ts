/**
 * db/api/factors.sql and db/api/users.sql, a verified phone as the second factor: one definition of "has a
 * second factor" (astapa.second_factor_kinds: app, passkey, phone) behind the challenge, mfa_enrolled and the
 * admin's view; a person turning the phone factor on and off (fresh session, verified number, project setting);
 * the second step's code (bound to the challenged person, five attempts, single use, amr sms or otp + mfa); and
 * phone codes of one purpose never standing in for another.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { checkPhoneCode } from "@/db/phone.ts";
import { accountConfirmPhone } from "@/db/phone_account.ts";
import { setOwnPhoneFactor, startMfaNewPhoneCode, startMfaPhoneCode } from "@/db/phone_factor.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { settings: { mfa: { policy: "optional", phone: true } } });
const noPhoneFactor = await seedProject(db.sql, { settings: { mfa: { policy: "optional" } } });
const withPasskeys = await seedProject(db.sql, { settings: { passkeys: true } });

const codeHash = (token: string, code: string) => sha256(`${token}:${code}`);
let counter = 0;
const freshNumber = () => `+62812${String(2000000 + counter++ * 10000).padStart(7, "0")}`;

/** A signed-in person with a verified number: their id and session token hash. */
async function person(email: string, projectId = project.id, verified = true) {
  const user = await seedUser(db.sql, projectId, email);
  await asApp(db.sql, projectId, (tx) =>
    tx`select api.set_user_phone(${projectId}, ${user}, ${freshNumber()},
    ${verified})`);
  const session = await sha256(randomSecret());
  await asApp(db.sql, projectId, (tx) => tx`select api.start_login_session(${user}, ${session})`);
  return { user, session };
}
const kinds = (user: string, projectId = project.id) =>
  appValue<string[]>(db.sql, projectId, (tx) => tx`select astapa.second_factor_kinds(${projectId}, ${user})`);
const challenge = (user: string, token: string, projectId = project.id) =>
  appValue<boolean>(
    db.sql,
    projectId,
    async (tx) => tx`select api.start_mfa_challenge(${user}, ${await sha256(token)}, '{pwd}', false)`,
  );
const sendCode = async (challengeToken: string, token: string, channel: "sms" | "whatsapp" = "sms") =>
  await startMfaPhoneCode(db.sql, project.id, await sha256(challengeToken), {
    country: "ID",
    channel,
    tokenHash: await sha256(token),
    codeHash: await codeHash(token, "246810"),
  }, `10.9.${counter}.1`);
const meet = async (challengeToken: string, token: string, code: string, remember: string | null = null) =>
  await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.meet_mfa_challenge_by_phone(${await sha256(challengeToken)}, ${await sha256(token)},
        ${await codeHash(token, code)}, ${remember ? await sha256(remember) : null}, ${remember ? 7 : 0})`,
  );
const audits = (user: string, action: string) =>
  appValue<Record<string, unknown>[]>(
    db.sql,
    project.id,
    (tx) =>
      tx`select coalesce(jsonb_agg(details order by id), '[]') from astapa.audit_log
         where project_id = ${project.id} and target = ${`user:${user}`} and action = ${action}`,
  );

Deno.test("api.set_own_phone_factor — on with a verified number (audited, emitted), off again; counted as a second factor", async () => {
  const ana = await person("ana.factor@example.com");
  assert.deepEqual(await kinds(ana.user), []);
  assert.equal(await challenge(ana.user, "ana-before"), false);
  assert.deepEqual(await setOwnPhoneFactor(db.sql, project.id, ana.session, true, 600), {
    changed: true,
    second_factors: ["phone"],
  });
  // Turning it on twice changes nothing and audits once.
  assert.equal((await setOwnPhoneFactor(db.sql, project.id, ana.session, true, 600)).changed, false);
  assert.deepEqual(await audits(ana.user, "user.mfa_enrolled"), [{ factor: "phone" }]);
  const view = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_factors(${project.id}, ${ana.user})`,
  );
  assert.equal(view.mfa_enrolled, true);
  assert.deepEqual(view.second_factors, ["phone"]);
  assert.equal((view.factors as { kind: string }[])[0].kind, "phone");
  const user = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select astapa.user_json(${project.id}, ${ana.user})`,
  );
  assert.equal(user.mfa_enrolled, true);
  assert.equal(await challenge(ana.user, "ana-after"), true);
  assert.deepEqual(await setOwnPhoneFactor(db.sql, project.id, ana.session, false, 600), {
    changed: true,
    second_factors: [],
  });
  assert.deepEqual(await audits(ana.user, "user.mfa_removed"), [{ factor: "phone", by: "user" }]);
  const events = await appValue<string[]>(
    db.sql,
    project.id,
    (tx) =>
      tx`select jsonb_agg(type || ':' || (data ->> 'factor') order by id) from astapa.events
         where project_id = ${project.id} and type like 'user.mfa_%' and data -> 'user' ->> 'id' = ${ana.user}`,
  );
  assert.deepEqual(events, ["user.mfa_enrolled:phone", "user.mfa_removed:phone"]);
});

Deno.test("api.set_own_phone_factor — refused without a verified number, where the project does not offer it, or on a stale session", async () => {
  const budi = await person("budi.factor@example.com", project.id, false);
  await rejectsAs(setOwnPhoneFactor(db.sql, project.id, budi.session, true, 600), "conflict");
  const citra = await person("citra.factor@example.com", noPhoneFactor.id);
  await rejectsAs(setOwnPhoneFactor(db.sql, noPhoneFactor.id, citra.session, true, 600), "forbidden");
  const dewi = await person("dewi.factor@example.com");
  await db.sql`update astapa.login_sessions set created_at = now() - interval '1 hour'
    where project_id = ${project.id} and token_hash = ${dewi.session}`;
  await rejectsAs(setOwnPhoneFactor(db.sql, project.id, dewi.session, true, 600), "forbidden");
  await rejectsAs(
    setOwnPhoneFactor(db.sql, project.id, await sha256("no-session"), true, 600),
    "invalid_grant",
  );
  assert.deepEqual(await kinds(budi.user), []);
  assert.deepEqual(await kinds(dewi.user), []);
});

Deno.test("astapa.second_factor_kinds — a phone factor stops counting while the number is unverified or the setting is off", async () => {
  const eko = await person("eko.factor@example.com");
  await setOwnPhoneFactor(db.sql, project.id, eko.session, true, 600);
  await db.sql`update astapa.users set phone_number_verified = false where project_id = ${project.id}
    and id = ${eko.user}`;
  assert.deepEqual(await kinds(eko.user), []);
  await db.sql`update astapa.users set phone_number_verified = true where project_id = ${project.id}
    and id = ${eko.user}`;
  assert.deepEqual(await kinds(eko.user), ["phone"]);
  await db.sql`update astapa.projects set settings = ${db.sql.json({ mfa: { policy: "optional" } })}
    where id = ${project.id}`;
  try {
    assert.deepEqual(await kinds(eko.user), []);
  } finally {
    await db.sql`update astapa.projects set settings = ${
      db.sql.json({ mfa: { policy: "optional", phone: true } })
    } where id = ${project.id}`;
  }
});

Deno.test("astapa.phone_second_factor — one rule: with the MFA policy off the phone is neither turned on, counted nor offered", async () => {
  const cases: [Record<string, unknown>, boolean][] = [
    [{}, false],
    [{ mfa: { policy: "optional" } }, false],
    [{ mfa: { policy: "optional", phone: true } }, true],
    [{ mfa: { policy: "required", phone: true } }, true],
    [{ mfa: { policy: "off", phone: true } }, false],
  ];
  for (const [settings, offered] of cases) {
    const p = await seedProject(db.sql, { settings });
    const rule = await appValue<boolean>(
      db.sql,
      p.id,
      (tx) => tx`select astapa.phone_second_factor(${p.id})`,
    );
    assert.equal(rule, offered, JSON.stringify(settings));
  }
  assert.equal(await appValue(db.sql, null, (tx) => tx`select astapa.phone_second_factor('nope')`), false);

  // Policy off, mfa.phone left on. These three used to read mfa.phone alone: turning the factor on and counting
  // it did not look at the policy (an "off" project kept a phone factor nobody was asked for).
  const off = await seedProject(db.sql, { settings: { mfa: { policy: "off", phone: true } } });
  const fajar = await person("fajar.factor@example.com", off.id);
  await rejectsAs(setOwnPhoneFactor(db.sql, off.id, fajar.session, true, 600), "forbidden", /does not offer/);
  // One set up while the policy was on stays stored, counted again once the policy is.
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
    values (${off.id}, ${fajar.user}, 'phone', now())`;
  const offer = () =>
    appValue<string | null>(
      db.sql,
      off.id,
      (tx) => tx`select astapa.phone_factor_offer(${off.id}, ${fajar.user})`,
    );
  assert.deepEqual(await kinds(fajar.user, off.id), []);
  assert.equal(await offer(), null);
  const enrolled = await appValue<boolean>(
    db.sql,
    off.id,
    (tx) => tx`select (astapa.user_json(${off.id}, ${fajar.user}) ->> 'mfa_enrolled')::boolean`,
  );
  assert.equal(enrolled, false);
  await db.sql`update astapa.projects set settings = ${
    db.sql.json({ mfa: { policy: "optional", phone: true } })
  }
    where id = ${off.id}`;
  assert.deepEqual(await kinds(fajar.user, off.id), ["phone"]);
  assert.equal(await offer(), null, "a factor already: nothing to set up");
  await db.sql`delete from astapa.user_factors where project_id = ${off.id} and user_id = ${fajar.user}`;
  assert.equal(await offer(), "enrol");
});

Deno.test("api.start_mfa_challenge — a passkey-only person is asked (optional policy) where the project offers passkeys; mfa_enrolled says so", async () => {
  const user = await seedUser(db.sql, withPasskeys.id, "fajar.passkey@example.com");
  assert.equal(await challenge(user, "fajar-none", withPasskeys.id), false);
  await db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
    backed_up, name) values (${withPasskeys.id}, ${await sha256(
    "fajar-key",
  )}, ${user}, '\\x01', 'multiDevice',
    true, 'Phone')`;
  assert.deepEqual(await kinds(user, withPasskeys.id), ["passkey"]);
  assert.equal(await challenge(user, "fajar-key", withPasskeys.id), true);
  const json = await appValue<Record<string, unknown>>(
    db.sql,
    withPasskeys.id,
    (tx) => tx`select astapa.user_json(${withPasskeys.id}, ${user})`,
  );
  assert.equal(json.mfa_enrolled, true);
  // A key marked cloned is no factor; nor is a passkey where the project has passkeys off.
  await db.sql`update astapa.passkeys set cloned_at = now() where project_id = ${withPasskeys.id}`;
  assert.deepEqual(await kinds(user, withPasskeys.id), []);
  assert.equal(await challenge(user, "fajar-cloned", withPasskeys.id), false);
  const other = await seedUser(db.sql, project.id, "gita.passkey@example.com");
  await db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
    backed_up, name) values (${project.id}, ${await sha256("gita-key")}, ${other}, '\\x01', 'singleDevice',
    false, 'Key')`;
  assert.deepEqual(await kinds(other), []);
});

Deno.test("api.meet_mfa_challenge_by_phone — the code sent to the person's number meets the challenge once; amr sms + mfa", async () => {
  const hana = await person("hana.factor@example.com");
  await setOwnPhoneFactor(db.sql, project.id, hana.session, true, 600);
  assert.equal(await challenge(hana.user, "hana-challenge"), true);
  const seen = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256("hana-challenge")})`,
  );
  assert.deepEqual(seen.factors, ["phone"]);
  assert.match(seen.phone_number as string, /^\+62812/);
  const sent = await sendCode("hana-challenge", "hana-code");
  assert.deepEqual(sent, { sent: true, sandbox: true, phone_number: seen.phone_number });
  assert.deepEqual(await meet("hana-challenge", "hana-code", "000000"), {
    accepted: false,
    expired: false,
    attempts_left: 4,
  });
  const met = await meet("hana-challenge", "hana-code", "246810", "hana-remember");
  assert.deepEqual(met, { accepted: true, user_id: hana.user, amr: ["mfa", "pwd", "sms"] });
  // Single use: the challenge is spent.
  await rejectsAs(meet("hana-challenge", "hana-code", "246810"), "invalid_grant");
  const remembered = await appValue<number>(
    db.sql,
    project.id,
    (tx) => tx`select count(*)::int from astapa.remembered_browsers where user_id = ${hana.user}`,
  );
  assert.equal(remembered, 1);
  // By WhatsApp the code is a one-time password (otp).
  assert.equal(await challenge(hana.user, "hana-again"), true);
  await sendCode("hana-again", "hana-wa", "whatsapp");
  assert.deepEqual((await meet("hana-again", "hana-wa", "246810")).amr, ["mfa", "otp", "pwd"]);
});

Deno.test("api.meet_mfa_challenge_by_phone — five attempts; another person's or another purpose's code does not count", async () => {
  const indah = await person("indah.factor@example.com");
  const joko = await person("joko.factor@example.com");
  for (const p of [indah, joko]) await setOwnPhoneFactor(db.sql, project.id, p.session, true, 600);
  assert.equal(await challenge(indah.user, "indah-challenge"), true);
  assert.equal(await challenge(joko.user, "joko-challenge"), true);
  await sendCode("joko-challenge", "joko-code");
  // Joko's code does not meet Indah's challenge, and cannot sign in or add a number.
  assert.deepEqual(await meet("indah-challenge", "joko-code", "246810"), { accepted: false, expired: true });
  assert.deepEqual(
    await checkPhoneCode(
      db.sql,
      project.id,
      await sha256("joko-code"),
      await codeHash("joko-code", "246810"),
    ),
    { accepted: false, expired: true },
  );
  assert.equal(
    (await accountConfirmPhone(
      db.sql,
      project.id,
      joko.session,
      await sha256("joko-code"),
      await codeHash("joko-code", "246810"),
    )).expired,
    true,
  );
  await sendCode("indah-challenge", "indah-code");
  for (let left = 4; left >= 0; left--) {
    assert.equal((await meet("indah-challenge", "indah-code", "999999")).attempts_left, left);
  }
  assert.deepEqual(await meet("indah-challenge", "indah-code", "246810"), { accepted: false, expired: true });
});

Deno.test("api.start_mfa_phone_code — only for a live challenge of a person with a phone factor (or one to set up)", async () => {
  const kiki = await person("kiki.factor@example.com", project.id, false); // unverified: nothing to set up
  assert.equal(
    await appValue<boolean>(
      db.sql,
      project.id,
      async (tx) => tx`select api.start_mfa_challenge(${kiki.user}, ${await sha256("kiki")}, '{pwd}', true)`,
    ),
    true,
  );
  await rejectsAs(sendCode("kiki", "kiki-code"), "conflict");
  await rejectsAs(sendCode("no-such-challenge", "kiki-code"), "invalid_grant");
});

Deno.test("api.update_project_settings — mfa.phone is true or false", async () => {
  const problem = (value: unknown) =>
    appValue<string | null>(
      db.sql,
      null,
      (tx) => tx`select astapa.setting_problem('mfa', ${tx.json(value as never)})`,
    );
  assert.equal(await problem({ policy: "optional", phone: true }), null);
  assert.match((await problem({ policy: "optional", phone: "yes" }))!, /mfa.phone/);
});

Deno.test("astapa.phone_factor_offer 'enrol' — no factor but a verified number: the challenge's first phone code sets the phone up", async () => {
  const lina = await person("lina.factor@example.com");
  const offer = (user: string, projectId = project.id) =>
    appValue<string | null>(
      db.sql,
      projectId,
      (tx) => tx`select astapa.phone_factor_offer(${projectId}, ${user})`,
    );
  assert.equal(await offer(lina.user), "enrol");
  assert.equal(
    await appValue<boolean>(
      db.sql,
      project.id,
      async (tx) => tx`select api.start_mfa_challenge(${lina.user}, ${await sha256("lina")}, '{pwd}', true)`,
    ),
    true,
  );
  const seen = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256("lina")})`,
  );
  assert.deepEqual(seen.factors, []);
  assert.equal(seen.phone_enrol, true);
  assert.match(seen.phone_number as string, /^\+62812/);
  assert.equal((await sendCode("lina", "lina-code", "whatsapp")).sent, true);
  assert.deepEqual(await meet("lina", "lina-code", "246810"), {
    accepted: true,
    user_id: lina.user,
    amr: ["mfa", "otp", "pwd"],
  });
  assert.deepEqual(await kinds(lina.user), ["phone"]);
  assert.deepEqual(await audits(lina.user, "user.mfa_enrolled"), [{ factor: "phone", step: "mfa" }]);
  const events = await db.sql`select data ->> 'factor' as factor from astapa.events
    where project_id = ${project.id} and type = 'user.mfa_enrolled' and data -> 'user' ->> 'id' = ${lina.user}`;
  assert.deepEqual(events.map((e) => e.factor), ["phone"]);
  // Now a factor of theirs: nothing more to set up.
  assert.equal(await challenge(lina.user, "lina-again"), true);
  const again = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256("lina-again")})`,
  );
  assert.equal(again.phone_enrol, false);
  assert.equal(await offer(lina.user), null, "a person with a factor is offered nothing");
  // A project that does not take a phone as second factor offers nothing to set up.
  const mira = await person("mira.factor@example.com", noPhoneFactor.id);
  assert.equal(await offer(mira.user, noPhoneFactor.id), null);
});

/** A signed-in person with no number, asked for a second step they have not set up (required). */
async function numberless(email: string, projectId = project.id) {
  const user = await seedUser(db.sql, projectId, email);
  const token = `challenge-${email}`;
  assert.equal(
    await appValue<boolean>(
      db.sql,
      projectId,
      async (tx) => tx`select api.start_mfa_challenge(${user}, ${await sha256(token)}, '{pwd}', true)`,
    ),
    true,
  );
  return { user, token };
}
const sendToNew = async (challengeToken: string, token: string, number: string, projectId = project.id) =>
  await startMfaNewPhoneCode(db.sql, projectId, await sha256(challengeToken), {
    phoneNumber: number,
    country: "ID",
    channel: "whatsapp",
    tokenHash: await sha256(token),
    codeHash: await codeHash(token, "246810"),
  }, `10.8.${counter}.1`);
const phoneOf = (user: string) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) =>
      tx`select jsonb_build_object('number', phone_number, 'verified', phone_number_verified)
         from astapa.users where project_id = ${project.id} and id = ${user}`,
  );

Deno.test("astapa.phone_factor_offer 'add' — no factor and no verified number: a number typed at the second step, once its code is back, is theirs and their factor", async () => {
  const rudi = await numberless("rudi.add@example.com");
  assert.equal(
    await appValue(
      db.sql,
      project.id,
      (tx) => tx`select astapa.phone_factor_offer(${project.id}, ${rudi.user})`,
    ),
    "add",
  );
  const seen = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256(rudi.token)})`,
  );
  assert.equal(seen.phone_add, true);
  assert.equal(seen.phone_enrol, false);
  assert.equal(seen.phone_number, null);
  const number = freshNumber();
  assert.deepEqual(await sendToNew(rudi.token, "rudi-code", number), { sent: true, sandbox: true });
  // Nothing counts before the code is back: the number is not theirs yet.
  assert.deepEqual(await phoneOf(rudi.user), { number: null, verified: false });
  assert.deepEqual(await kinds(rudi.user), []);
  const wrong = await meet(rudi.token, "rudi-code", "000000");
  assert.equal(wrong.accepted, false);
  assert.deepEqual(await phoneOf(rudi.user), { number: null, verified: false });
  assert.deepEqual(await meet(rudi.token, "rudi-code", "246810"), {
    accepted: true,
    user_id: rudi.user,
    amr: ["mfa", "otp", "pwd"],
  });
  assert.deepEqual(await phoneOf(rudi.user), { number, verified: true });
  assert.deepEqual(await kinds(rudi.user), ["phone"]);
  assert.deepEqual(await audits(rudi.user, "user.mfa_enrolled"), [{ factor: "phone", step: "mfa" }]);
  assert.deepEqual(await audits(rudi.user, "user.profile_updated"), [{
    fields: ["phone_number"],
    by: "user",
    step: "mfa",
    previous: null,
  }]);
  // Now they have a factor and a verified number: nothing to add at the next challenge.
  assert.equal(await challenge(rudi.user, "rudi-again"), true);
  const again = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256("rudi-again")})`,
  );
  assert.equal(again.phone_add, false);
  await rejectsAs(sendToNew("rudi-again", "rudi-other", freshNumber()), "conflict");
});

Deno.test("api.meet_mfa_challenge_by_phone — a number typed at the second step that another account holds is refused only after its right code", async () => {
  const holder = await person("holder.add@example.com");
  const [{ number }] = await db.sql`select phone_number as number from astapa.users
    where project_id = ${project.id} and id = ${holder.user}`;
  const dewi = await numberless("dewi.add@example.com");
  // Asking answers the same as for any number.
  assert.deepEqual(await sendToNew(dewi.token, "dewi-code", number), { sent: true, sandbox: true });
  assert.deepEqual(await meet(dewi.token, "dewi-code", "246810"), {
    accepted: false,
    taken: true,
    expired: true,
  });
  // The code is spent, the challenge still stands, nothing changed for either person.
  assert.deepEqual(await meet(dewi.token, "dewi-code", "246810"), { accepted: false, expired: true });
  assert.deepEqual(await phoneOf(dewi.user), { number: null, verified: false });
  assert.deepEqual(await kinds(dewi.user), []);
  const [{ live }] = await db.sql`select used_at is null as live from astapa.mfa_challenges
    where project_id = ${project.id} and token_hash = ${await sha256(dewi.token)}`;
  assert.equal(live, true);
  // Another number works.
  assert.equal((await sendToNew(dewi.token, "dewi-code2", freshNumber())).sent, true);
  assert.equal((await meet(dewi.token, "dewi-code2", "246810")).accepted, true);
});

Deno.test("api.start_mfa_new_phone_code — only for a live challenge of a person with no factor and no verified number, where the project takes a phone", async () => {
  // A verified number is used as it is (astapa.phone_factor_offer 'enrol'), not replaced at this step.
  const sari = await person("sari.add@example.com");
  const forced = await appValue<boolean>(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.start_mfa_challenge(${sari.user}, ${await sha256("sari-req")}, '{pwd}', true)`,
  );
  assert.equal(forced, true);
  await rejectsAs(sendToNew("sari-req", "sari-code", freshNumber()), "conflict");
  // An unverified number may be replaced (or typed again) and proven here.
  const budi = await person("budi.add@example.com", project.id, false);
  const budiChallenge = "budi-req";
  await appValue(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.start_mfa_challenge(${budi.user}, ${await sha256(budiChallenge)}, '{pwd}', true)`,
  );
  const number = freshNumber();
  assert.equal((await sendToNew(budiChallenge, "budi-code", number)).sent, true);
  assert.equal((await meet(budiChallenge, "budi-code", "246810")).accepted, true);
  assert.deepEqual(await phoneOf(budi.user), { number, verified: true });
  // A dead challenge, a project without the phone factor, a number outside the allowed countries.
  await rejectsAs(sendToNew("no-such-challenge", "x-code", freshNumber()), "invalid_grant");
  const tono = await numberless("tono.add@example.com", noPhoneFactor.id);
  await rejectsAs(sendToNew(tono.token, "tono-code", freshNumber(), noPhoneFactor.id), "conflict");
  const wati = await numberless("wati.add@example.com");
  const abroad = await startMfaNewPhoneCode(db.sql, project.id, await sha256(wati.token), {
    phoneNumber: "+6591234567",
    country: "SG",
    channel: "sms",
    tokenHash: await sha256("wati-code"),
    codeHash: await codeHash("wati-code", "246810"),
  }, "10.8.200.1");
  assert.deepEqual(abroad, { sent: false, reason: "country" });
});

Deno.test("api.start_mfa_challenge — a first factor that was a code to the phone: the phone is not the second step too", async () => {
  const phoneFirst = (user: string, token: string, required = false) =>
    appValue<boolean>(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.start_mfa_challenge(${user}, ${await sha256(
          token,
        )}, '{otp}', ${required}, null, 'phone')`,
    );
  const seen = (token: string) =>
    appValue<Record<string, unknown>>(
      db.sql,
      project.id,
      async (tx) => tx`select api.mfa_challenge(${await sha256(token)})`,
    );
  // Only the phone as second factor: signing in by its code is one factor, and nothing else is owed.
  const ina = await person("ina.phonefirst@example.com");
  await setOwnPhoneFactor(db.sql, project.id, ina.session, true, 600);
  assert.equal(await phoneFirst(ina.user, "ina-optional"), false);
  assert.equal(await challenge(ina.user, "ina-password"), true, "after a password the phone still counts");
  // When a second step is required anyway, the phone is not offered, set up or added there.
  assert.equal(await phoneFirst(ina.user, "ina-required", true), true);
  const required = await seen("ina-required");
  assert.deepEqual(required.factors, []);
  assert.equal(required.phone_number, null);
  assert.equal(required.phone_enrol, false);
  assert.equal(required.phone_add, false);
  await rejectsAs(sendCode("ina-required", "ina-code"), "conflict");
  // Even a phone code of the right purpose sent before (to the password challenge) does not meet it.
  await sendCode("ina-password", "ina-early");
  assert.equal((await meet("ina-required", "ina-early", "246810")).accepted, false);
  // With an app as well, the challenge asks for the app only.
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
               values (${project.id}, ${ina.user}, 'totp', '\\x00', now())`;
  assert.equal(await phoneFirst(ina.user, "ina-app"), true);
  assert.deepEqual((await seen("ina-app")).factors, ["totp"]);
  await rejectsAs(sendCode("ina-app", "ina-app-code"), "conflict");
  // A person with no factor and a verified number who signed in by it is not offered to set the phone up.
  const joko = await person("joko.phonefirst@example.com");
  assert.equal(await phoneFirst(joko.user, "joko-required", true), true);
  assert.equal((await seen("joko-required")).phone_enrol, false);
  await rejectsAs(sendCode("joko-required", "joko-code"), "conflict");
  // Nor to add another number at that step.
  const tia = await person("tia.phonefirst@example.com", project.id, false);
  assert.equal(await phoneFirst(tia.user, "tia-required", true), true);
  assert.equal((await seen("tia-required")).phone_add, false);
  // The two rules behind it, named directly: the kinds a challenge takes, and what it offers with a phone.
  const rules = async (token: string) =>
    await appValue<Record<string, unknown>>(
      db.sql,
      project.id,
      async (tx) =>
        tx`select jsonb_build_object(
             'kinds', astapa.challenge_factor_kinds(c.project_id, c.user_id, c.first_factor),
             'all_kinds', astapa.challenge_factor_kinds(c.project_id, c.user_id, null),
             'offer', astapa.challenge_phone_offer(c))
           from astapa.mfa_challenges c where c.token_hash = ${await sha256(token)}`,
    );
  assert.deepEqual(await rules("ina-app"), {
    kinds: ["totp"],
    all_kinds: ["phone", "totp"],
    offer: null,
  });
  assert.deepEqual(await rules("joko-required"), {
    kinds: [],
    all_kinds: [],
    offer: null,
  });
  assert.deepEqual(await rules("tia-required"), {
    kinds: [],
    all_kinds: [],
    offer: null,
  });
  // The same people after a password: joko may set his verified phone up, tia may add a number.
  assert.equal(
    await challenge(joko.user, "joko-password"),
    false,
    "no factor, optional policy: nothing owed",
  );
  await appValue(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.start_mfa_challenge(${joko.user}, ${await sha256("joko-pwd")}, '{pwd}', true)`,
  );
  await appValue(
    db.sql,
    project.id,
    async (tx) => tx`select api.start_mfa_challenge(${tia.user}, ${await sha256("tia-pwd")}, '{pwd}', true)`,
  );
  assert.deepEqual(await rules("joko-pwd"), { kinds: [], all_kinds: [], offer: "enrol" });
  assert.deepEqual(await rules("tia-pwd"), { kinds: [], all_kinds: [], offer: "add" });
  await rejectsAs(sendToNew("tia-required", "tia-code", freshNumber()), "conflict");
});
