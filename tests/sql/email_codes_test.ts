/**
 * db/api/email_codes.sql: mailing a code only to a user the project has (silently nothing otherwise), one live
 * code per person, five tries under a row lock, single use by code or link, the address verified, and the
 * table's policies tried as the owner project, another project and no project.
 */
import assert from "node:assert/strict";
import { emailCodeLink, mailEmailCode, redeemEmailCode, redeemEmailCodeLink } from "@/db/email_codes.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const codeNotice = claimNotice("en", "App", "email_code");
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);
const mail = { kind: "email_code", subject: "Your code", body: "123456", html: "<p>123456</p>" };

async function mailed(email: string, code: string, link: string, projectId = project.id) {
  const hashes = { code: await sha256(code), link: await sha256(link) };
  return await mailEmailCode(db.sql, projectId, email, hashes, "client_id=x&redirect_uri=y", mail);
}

Deno.test("api.mail_email_code — only to a user of the project, silently; a new code voids the old", async () => {
  const user = await seedUser(db.sql, project.id, "ani@example.com");
  assert.equal(await mailed("nobody@example.com", "111111", "l0"), false);
  assert.equal(await mailed("ani@example.com", "111111", "l0", other.id), false, "another project's user");
  assert.equal(await mailed(" ANI@example.com ", "111111", "l1"), true);
  assert.equal(await mailed("ani@example.com", "222222", "l2"), true);
  const queued = await db
    .sql`select to_address, kind from astapa.mail_outbox where project_id = ${project.id}`;
  assert.deepEqual(queued.map((m) => [m.to_address, m.kind]), [["ani@example.com", "email_code"], [
    "ani@example.com",
    "email_code",
  ]]);
  assert.equal(
    await redeemEmailCode(db.sql, project.id, "ani@example.com", await sha256("111111"), codeNotice),
    null,
  );
  assert.deepEqual(
    await redeemEmailCode(db.sql, project.id, "Ani@Example.com", await sha256("222222"), codeNotice),
    {
      user_id: user,
      created: false,
    },
  );
  assert.equal(
    await redeemEmailCode(db.sql, project.id, "ani@example.com", await sha256("222222"), codeNotice),
    null,
    "once",
  );
  const [row] = await db.sql`select email_verified from astapa.users where id = ${user}`;
  assert.equal(row.email_verified, true);
});

Deno.test("api.redeem_email_code — five wrong tries spend the code", async () => {
  await seedUser(db.sql, project.id, "budi@example.com");
  await mailed("budi@example.com", "333333", "l3");
  for (let i = 0; i < 5; i++) {
    assert.equal(
      await redeemEmailCode(db.sql, project.id, "budi@example.com", await sha256("000000"), codeNotice),
      null,
    );
  }
  assert.equal(
    await redeemEmailCode(db.sql, project.id, "budi@example.com", await sha256("333333"), codeNotice),
    null,
  );
  assert.equal(
    await redeemEmailCode(db.sql, other.id, "budi@example.com", await sha256("333333"), codeNotice),
    null,
  );
});

Deno.test("api.email_code_link and api.redeem_email_code_link — reading changes nothing; the link works once", async () => {
  const user = await seedUser(db.sql, project.id, "citra@example.com");
  await mailed("citra@example.com", "444444", "l4");
  const link = await sha256("l4");
  assert.deepEqual(await emailCodeLink(db.sql, project.id, link), {
    sign_in_request: "client_id=x&redirect_uri=y",
    usable: true,
  });
  assert.equal(await emailCodeLink(db.sql, other.id, link), null);
  assert.equal(await redeemEmailCodeLink(db.sql, other.id, link, codeNotice), null);
  assert.deepEqual(await redeemEmailCodeLink(db.sql, project.id, link, codeNotice), {
    user_id: user,
    created: false,
  });
  assert.equal(await redeemEmailCodeLink(db.sql, project.id, link, codeNotice), null);
  assert.equal((await emailCodeLink(db.sql, project.id, link))?.usable, false);
  assert.equal(
    await redeemEmailCode(db.sql, project.id, "citra@example.com", await sha256("444444"), codeNotice),
    null,
  );
  const [entry] = await db
    .sql`select count(*)::int as n from astapa.audit_log where project_id = ${project.id}
    and action = 'sign_in.email_code' and target = ${`user:${user}`}`;
  assert.equal(entry.n, 1);
});

Deno.test("email_codes policies — rows are seen by their own project only; settings take true or false", async () => {
  await seedUser(db.sql, project.id, "dian@example.com");
  await mailed("dian@example.com", "555555", "l5");
  const count = (projectId: string | null) =>
    appValue<number>(db.sql, projectId, (tx) => tx`select count(*)::int from astapa.email_codes`);
  assert.ok(await count(project.id) > 0);
  assert.equal(await count(other.id), 0);
  assert.equal(await count(null), 0);
  const update = (value: unknown) =>
    asApp(
      db.sql,
      other.id,
      (tx) =>
        tx`select api.update_project_settings(${other.id}, ${
          JSON.stringify({ email_codes: value })
        }::text::jsonb) -> 'settings' as s`,
    );
  assert.equal((await update(true))[0].s.email_codes, true);
  await rejectsAs(update(1), "validation_failed", /email_codes must be true or false/);
});

Deno.test("api.mail_email_code — with email_code_sign_up, an unknown address gets a code that creates the user", async () => {
  const open = await seedProject(db.sql, { settings: { email_codes: true, email_code_sign_up: true } });
  const send = (email: string, code: string, link: string) => mailed(email, code, link, open.id);
  const users = (email: string) =>
    db.sql`select id::text, email, email_verified, password_hash from astapa.users
      where project_id = ${open.id} and email_lower = lower(${email})`;
  assert.equal(await mailed("new@example.com", "444444", "s0"), false, "a project without the setting");
  assert.equal(await send("not an address", "444444", "s1"), false);
  assert.equal(await send(" New@Example.com ", "444444", "s2"), true);
  assert.equal(await send("new@example.com", "555555", "s3"), true, "a newer code voids the older");
  assert.deepEqual((await users("new@example.com")).length, 0, "nothing is created before the code is used");
  assert.equal(
    await redeemEmailCode(db.sql, open.id, "new@example.com", await sha256("444444"), codeNotice),
    null,
  );
  assert.equal(
    await redeemEmailCode(db.sql, open.id, "new@example.com", await sha256("000000"), codeNotice),
    null,
  );
  const created = await redeemEmailCode(
    db.sql,
    open.id,
    "NEW@example.com",
    await sha256("555555"),
    codeNotice,
  );
  const [user] = await users("new@example.com");
  assert.deepEqual(created, { user_id: user.id, created: true });
  assert.deepEqual([user.email, user.email_verified, user.password_hash], ["new@example.com", true, null]);
  assert.equal(
    await redeemEmailCode(db.sql, open.id, "new@example.com", await sha256("555555"), codeNotice),
    null,
    "once",
  );
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${open.id}
    and action = 'sign_in.email_code'`;
  assert.deepEqual(audit.details, { created: true });

  // By link; and a sign-up code for an address someone took since signs that account in (the mailbox answered).
  assert.equal(await send("link@example.com", "666666", "s4"), true);
  const created2 = await redeemEmailCodeLink(db.sql, open.id, await sha256("s4"), codeNotice);
  assert.deepEqual(created2, { user_id: (await users("link@example.com"))[0].id, created: true });
  assert.equal(await send("race@example.com", "777777", "s5"), true);
  const racer = await seedUser(db.sql, open.id, "race@example.com");
  // Someone else made the account meanwhile: this code signs them in but did not create it.
  assert.deepEqual(await redeemEmailCodeLink(db.sql, open.id, await sha256("s5"), codeNotice), {
    user_id: racer,
    created: false,
  });

  // A disabled account's address gets nothing (no sign-up code beside it either).
  const off = await seedUser(db.sql, open.id, "off@example.com");
  await db.sql`update astapa.users set disabled = true where id = ${off}`;
  assert.equal(await send("off@example.com", "999999", "s7"), false);
  assert.equal(await redeemEmailCodeLink(db.sql, open.id, await sha256("s7"), codeNotice), null);

  // Turning the setting off ends the codes already mailed.
  assert.equal(await send("late@example.com", "888888", "s6"), true);
  await asApp(
    db.sql,
    open.id,
    (tx) => tx`select api.update_project_settings(${open.id}, '{"email_code_sign_up": null}')`,
  );
  assert.equal(
    await redeemEmailCode(db.sql, open.id, "late@example.com", await sha256("888888"), codeNotice),
    null,
  );
  assert.equal((await users("late@example.com")).length, 0);
  await rejectsAs(
    asApp(
      db.sql,
      open.id,
      (tx) => tx`select api.update_project_settings(${open.id}, '{"email_code_sign_up": 1}')`,
    ),
    "validation_failed",
    /email_code_sign_up must be true or false/,
  );
});
