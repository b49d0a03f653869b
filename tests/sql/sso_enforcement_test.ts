/**
 * SQL tests for enforced SSO and matching by the IdP's subject (db/api/sso_enforcement.sql): the one rule
 * (astapa.assert_sso_not_required) and every first-factor function that calls it, each refused at an SSO domain
 * and let through at another domain and once the connection is disabled; the subject links (an address changed at
 * the IdP keeps the account, a taken one is refused, a link moves to a new subject, goes with its connection and
 * its user); the account page's own address change refused while the IdP manages the address; the links' policies
 * as the owner project, another project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { mailEmailCode, redeemEmailCode, redeemEmailCodeLink } from "@/db/email_codes.ts";
import { mailPasskeySignUpCode, provePasskeySignUp } from "@/db/passkey_sign_ups.ts";
import { usePasskey } from "@/db/passkeys.ts";
import { signInWithIdentity } from "@/db/social.ts";
import { checkPhoneCode, startPhoneCode } from "@/db/phone.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";
import { accountOverview, changeAccount, confirmEmailChange } from "@/db/account.ts";
import { appValue, rejectsAs, seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, {
  name: "A",
  settings: { email_code_sign_up: true, phone: { enabled: true, signup: true } },
});
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const sealed = "c2VhbGVkLXNlY3JldA";

const org = await call(a.id, (tx) => tx`select api.create_organization('Acme', 'acme', null)`);
const orgId = org.id as string;
await call(a.id, (tx) => tx`select api.add_organization_domain(${orgId}, 'acme.example')`);
await call(a.id, (tx) => tx`select api.verify_organization_domain(${orgId}, 'acme.example')`);
const enable = (enabled: boolean) =>
  call(
    a.id,
    (tx) =>
      tx`select api.put_sso_connection(${orgId}, 'https://idp.example', 'client-1', ${sealed}, ${enabled}, true)`,
  );
const connection = (await enable(true)).id as string;

/** Runs `work` with the connection disabled, then enables it again. */
async function whileDisabled(work: () => Promise<unknown>) {
  await enable(false);
  try {
    await work();
  } finally {
    await enable(true);
  }
}

const mail = { kind: "email_code", subject: "Your code", body: "123456", html: "<p>123456</p>" };
const codeNotice = claimNotice("en", "App", "email_code");
let n = 0;
const fresh = () => `t${n++}`;

Deno.test("astapa.assert_sso_not_required — AS4E0 at an enabled connection's verified domain only, the address in DETAIL", async () => {
  const check = (email: string | null, project = a.id) =>
    call(project, (tx) => tx`select astapa.assert_sso_not_required(${project}, ${email})`);
  for (const email of ["dewi@acme.example", " Dewi@ACME.example ", "dewi@acme.example."]) {
    await rejectsAs(check(email), "sso_required", /continue with single sign-on/);
  }
  const error = await check("Dewi@acme.example").catch((e) => e);
  assert.deepEqual([error.code, error.detail], ["AS4E0", "Dewi@acme.example"]);
  for (const email of ["dewi@other.example", "dewi@sub.acme.example", "acme.example", "", null]) {
    await check(email);
  }
  await check("dewi@acme.example", b.id); // another project
  await whileDisabled(() => check("dewi@acme.example"));
  // An unverified domain of the organization is not enforced.
  await call(a.id, (tx) => tx`select api.add_organization_domain(${orgId}, 'pending.example')`);
  await check("dewi@pending.example");
  assert.equal(
    await call(a.id, (tx) => tx`select astapa.sso_connection_requiring(${a.id}, 'X@Acme.Example')`),
    connection,
  );
  // An account's own address (passkeys, phone, linked identities).
  const user = await seedUser(db.sql, a.id, "own@acme.example", { verified: true });
  await rejectsAs(
    call(a.id, (tx) => tx`select astapa.assert_user_not_sso(${a.id}, ${user})`),
    "sso_required",
  );
  const elsewhere = await seedUser(db.sql, a.id, "own@elsewhere.example", { verified: true });
  await call(a.id, (tx) => tx`select astapa.assert_user_not_sso(${a.id}, ${elsewhere})`);
});

Deno.test("astapa.assert_sso_not_required — no other spelling of a verified domain gets past it (astapa.email_domain)", async () => {
  const check = (email: string) =>
    call(a.id, (tx) => tx`select astapa.assert_sso_not_required(${a.id}, ${email})`);
  for (
    const email of [
      "dewi@ＡＣＭＥ．example",
      "dewi@acme。example",
      "dewi@ac\u00ADme.example",
      "dewi@acme\u200B.example",
    ]
  ) {
    await rejectsAs(check(email), "sso_required");
  }
  // An internationalised domain is verified in its xn-- form; the Unicode spelling typed is the same domain.
  await call(a.id, (tx) => tx`select api.add_organization_domain(${orgId}, 'xn--bcher-kva.example')`);
  await check("dewi@bücher.example");
  await call(a.id, (tx) => tx`select api.verify_organization_domain(${orgId}, 'xn--bcher-kva.example')`);
  for (const email of ["dewi@bücher.example", "dewi@BÜCHER.example", "dewi@bu\u0308cher.example"]) {
    await rejectsAs(check(email), "sso_required");
  }
  // Finding the IdP by the address typed reads the domain the same way.
  const found = await call(a.id, (tx) => tx`select api.sso_connection_for_email('dewi@Bücher.example') as c`);
  assert.equal(found.id, connection);
});

Deno.test("api.sign_up_user — refused at an SSO domain before the sign-up rules; allowed elsewhere and when disabled", async () => {
  const signUp = async (email: string) =>
    (await call(a.id, (tx) => tx`select api.sign_up_user(${a.id}, ${email}, null)`)).id as string;
  await db
    .sql`update astapa.projects set settings = settings || '{"sign_up": {"mode": "closed"}}' where id = ${a.id}`;
  try {
    await rejectsAs(signUp("baru@acme.example"), "sso_required");
    await rejectsAs(signUp("baru@other.example"), "sign_up_refused");
  } finally {
    await db.sql`update astapa.projects set settings = settings - 'sign_up' where id = ${a.id}`;
  }
  assert.match(await signUp("baru@other.example"), /^\d+$/);
  await whileDisabled(async () => assert.match(await signUp("baru@acme.example"), /^\d+$/));
});

Deno.test("api.mail_email_code — the same AS4E0 for a known and an unknown address at the domain, nothing mailed", async () => {
  await seedUser(db.sql, a.id, "known@acme.example", { verified: true });
  const send = async (email: string) =>
    mailEmailCode(
      db.sql,
      a.id,
      email,
      { code: await sha256("111111"), link: await sha256(fresh()) },
      "q",
      mail,
    );
  const outbox = async () =>
    (await db.sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${a.id}`)[0].n;
  const before = await outbox();
  const known = await send("known@acme.example").catch((e) => e);
  const unknown = await send("nobody@acme.example").catch((e) => e);
  assert.deepEqual([known.code, known.message], [unknown.code, unknown.message]);
  assert.equal(known.code, "AS4E0");
  assert.equal(await outbox(), before, "nothing mailed");
  assert.equal(await send("known@other.example"), true);
  await whileDisabled(async () => assert.equal(await send("known@acme.example"), true));
});

Deno.test("astapa.use_email_code — a code or link mailed before SSO was turned on signs nobody in; unspent", async () => {
  const user = await seedUser(db.sql, a.id, "early@acme.example", { verified: true });
  const link = fresh();
  await whileDisabled(async () => {
    await mailEmailCode(
      db.sql,
      a.id,
      "early@acme.example",
      {
        code: await sha256("222222"),
        link: await sha256(link),
      },
      "q",
      mail,
    );
    // A sign-up code (no account yet) too.
    await mailEmailCode(
      db.sql,
      a.id,
      "newbie@acme.example",
      {
        code: await sha256("333333"),
        link: await sha256(fresh()),
      },
      "q",
      mail,
    );
  });
  const redeem = async (email: string, code: string) =>
    redeemEmailCode(db.sql, a.id, email, await sha256(code), codeNotice);
  await rejectsAs(redeem("early@acme.example", "222222"), "sso_required");
  await rejectsAs(redeemEmailCodeLink(db.sql, a.id, await sha256(link), codeNotice), "sso_required");
  await rejectsAs(redeem("newbie@acme.example", "333333"), "sso_required");
  assert.equal((await db.sql`select 1 from astapa.users where email = 'newbie@acme.example'`).length, 0);
  // Disabled again, the same code still signs in: the refusal spent nothing.
  await whileDisabled(async () => {
    assert.equal((await redeem("early@acme.example", "222222"))?.user_id, user);
  });
});

Deno.test("api.mail_passkey_sign_up_code / api.prove_passkey_sign_up — refused at the domain, allowed elsewhere", async () => {
  const passkeyMail = { ...mail, kind: "passkey_sign_up" };
  const send = async (email: string, token: string) =>
    mailPasskeySignUpCode(
      db.sql,
      a.id,
      email,
      { token: await sha256(token), code: await sha256("444444") },
      passkeyMail,
    );
  const prove = async (token: string) =>
    provePasskeySignUp(db.sql, a.id, await sha256(token), await sha256("444444"), codeNotice);
  await rejectsAs(send("pk@acme.example", fresh()), "sso_required");
  const early = fresh();
  await whileDisabled(async () => assert.equal(await send("pk@acme.example", early), true));
  await rejectsAs(prove(early), "sso_required");
  const elsewhere = fresh();
  assert.equal(await send("pk@other.example", elsewhere), true);
  assert.ok((await prove(elsewhere))?.user_id);
});

Deno.test("api.use_passkey — refused for an account at the domain (no counter recorded); allowed elsewhere", async () => {
  const user = await seedUser(db.sql, a.id, "key@acme.example", { verified: true });
  const credential = await seedPasskey(db.sql, a.id, user, 41);
  await rejectsAs(usePasskey(db.sql, a.id, credential, 5, false), "sso_required");
  const [row] = await db.sql`select sign_count::int from astapa.passkeys where credential_id = ${credential}`;
  assert.equal(row.sign_count, 0);
  await whileDisabled(async () =>
    assert.equal((await usePasskey(db.sql, a.id, credential, 5, false)).accepted, true)
  );
  const other = await seedUser(db.sql, a.id, "key@other.example", { verified: true });
  const otherKey = await seedPasskey(db.sql, a.id, other, 42);
  assert.equal((await usePasskey(db.sql, a.id, otherKey, 1, false)).accepted, true);
});

Deno.test("api.sign_in_with_identity — the provider's address or the linked account's at the domain is refused", async () => {
  const google = (subject: string, email: string) =>
    signInWithIdentity(db.sql, a.id, { provider: "google", subject, email, emailVerified: true });
  await rejectsAs(google("g-new", "g@acme.example"), "sso_required");
  await seedUser(db.sql, a.id, "linkme@acme.example", { verified: true });
  await rejectsAs(google("g-link", "linkme@acme.example"), "sso_required");
  // Linked while SSO was off, with a private address at the provider: the account's address is at the domain.
  let linked = "";
  await whileDisabled(async () => {
    linked = (await google("g-early", "linkme@acme.example")).user_id;
  });
  await rejectsAs(google("g-early", "private@gmail.example"), "sso_required");
  await whileDisabled(async () =>
    assert.equal((await google("g-early", "private@gmail.example")).user_id, linked)
  );
  assert.equal((await google("g-other", "g@other.example")).created, true);
});

Deno.test("api.check_phone_code — an account whose address is at the domain is not signed in by its number", async () => {
  const phone = "+6281299990001";
  const user = await seedUser(db.sql, a.id, "phone@acme.example", { verified: true });
  await db
    .sql`update astapa.users set phone_number = ${phone}, phone_number_verified = true where id = ${user}`;
  const start = async (token: string) =>
    startPhoneCode(db.sql, a.id, {
      phoneNumber: phone,
      country: "ID",
      channel: "whatsapp",
      tokenHash: await sha256(token),
      codeHash: await sha256(`${token}:123456`),
    }, `10.9.${n++}.1`);
  const check = async (token: string) =>
    checkPhoneCode(db.sql, a.id, await sha256(token), await sha256(`${token}:123456`));
  const token = fresh();
  await start(token);
  await rejectsAs(check(token), "sso_required");
  await whileDisabled(async () => assert.equal((await check(token)).user_id, user, "the code was not spent"));
  await db.sql`update astapa.users set email = 'phone@other.example' where id = ${user}`;
  const again = fresh();
  await start(again);
  assert.equal((await check(again)).user_id, user);
});

Deno.test("api.sign_in_with_sso — the subject first: an address changed at the IdP keeps the account; a taken one is refused", async () => {
  const signIn = (subject: string, email: string) =>
    call(a.id, (tx) => tx`select api.sign_in_with_sso(${connection}, ${subject}, ${email}, true)`);
  const first = await signIn("idp-sari", "sari@acme.example");
  assert.equal(first.created, true);
  const [link] = await db.sql`select user_id::text from astapa.sso_identities
    where project_id = ${a.id} and connection_id = ${connection} and subject = 'idp-sari'`;
  assert.equal(link.user_id, first.user_id);
  // A reset link mailed to the old address dies with it (astapa.move_user_email).
  await db.sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
                values (${a.id}, ${new Uint8Array(32).fill(9)}, ${first.user_id as string}, 'reset_password',
                        now() + interval '1 hour')`;
  const moved = await signIn("idp-sari", "sari.dewi@acme.example");
  assert.deepEqual([moved.user_id, moved.created], [first.user_id, false]);
  const [resetLink] = await db.sql`select used_at from astapa.email_tokens
    where token_hash = ${new Uint8Array(32).fill(9)}`;
  assert.ok(resetLink.used_at, "the old address's reset link no longer works");
  const [user] = await db.sql`select email, email_verified from astapa.users where id = ${first
    .user_id as string}`;
  assert.deepEqual([user.email, user.email_verified], ["sari.dewi@acme.example", true]);
  const [audit] = await db.sql`select details from astapa.audit_log
    where project_id = ${a.id} and action = 'user.email_changed' and target = ${"user:" + first.user_id}`;
  assert.deepEqual(audit.details, { by: "sso", connection });
  // Another account has the new address: refused, nothing merged or changed.
  await seedUser(db.sql, a.id, "taken@acme.example", { verified: true });
  await rejectsAs(signIn("idp-sari", "taken@acme.example"), "sso_email_taken", /another account/);
  const [still] = await db.sql`select email from astapa.users where id = ${first.user_id as string}`;
  assert.equal(still.email, "sari.dewi@acme.example");
  // The old address is free again: a new subject with it is a new person, not Sari.
  assert.notEqual((await signIn("idp-other", "sari@acme.example")).user_id, first.user_id);
});

Deno.test("astapa.link_sso_subject — an account matched by address under a new subject moves its link (audited)", async () => {
  const signIn = (subject: string, email: string) =>
    call(a.id, (tx) => tx`select api.sign_in_with_sso(${connection}, ${subject}, ${email}, true)`);
  const first = await signIn("old-sub", "rudi@acme.example");
  const again = await signIn("new-sub", "rudi@acme.example");
  assert.equal(again.user_id, first.user_id);
  const links = await db.sql`select subject from astapa.sso_identities
    where project_id = ${a.id} and user_id = ${first.user_id as string}`;
  assert.deepEqual(links.map((l) => l.subject), ["new-sub"]);
  const [audit] = await db.sql`select details from astapa.audit_log
    where project_id = ${a.id} and action = 'user.sso_subject_changed' and target = ${
    "user:" + first.user_id
  }`;
  assert.deepEqual(audit.details, { connection, from: "old-sub", to: "new-sub" });
});

Deno.test("sso_identities — removed with the user's erasure and with the connection", async () => {
  const signIn = (subject: string, email: string) =>
    call(a.id, (tx) => tx`select api.sign_in_with_sso(${connection}, ${subject}, ${email}, true)`);
  const leaving = await signIn("idp-leaving", "leaving@acme.example");
  await asApp(db.sql, a.id, (tx) => tx`select astapa.erase_user(${leaving.user_id as string}, 'user')`);
  const count = async () =>
    (await db.sql`select count(*)::int as n from astapa.sso_identities where project_id = ${a.id}`)[0].n;
  assert.equal(
    (await db.sql`select 1 from astapa.sso_identities where subject = 'idp-leaving'`).length,
    0,
  );
  assert.ok(await count() > 0);
  const other = await call(a.id, (tx) => tx`select api.create_organization('Beta', 'beta', null)`);
  await call(a.id, (tx) => tx`select api.add_organization_domain(${other.id as string}, 'beta.example')`);
  await call(a.id, (tx) => tx`select api.verify_organization_domain(${other.id as string}, 'beta.example')`);
  const beta = await call(
    a.id,
    (tx) =>
      tx`select api.put_sso_connection(${other
        .id as string}, 'https://beta.example', 'c', ${sealed}, true, true)`,
  );
  await call(
    a.id,
    (tx) => tx`select api.sign_in_with_sso(${beta.id as string}, 'b-1', 'x@beta.example', true)`,
  );
  const before = await count();
  await call(a.id, (tx) => tx`select api.delete_sso_connection(${other.id as string})`);
  assert.equal(await count(), before - 1);
});

Deno.test("sso_identities — project A's links are invisible and untouchable from project B and from no project; RLS forced", async () => {
  await call(
    a.id,
    (tx) => tx`select api.sign_in_with_sso(${connection}, 'idp-rls', 'rls@acme.example', true)`,
  );
  const count = (project: string | null) =>
    call<number>(project, (tx) => tx`select count(*)::int from astapa.sso_identities`);
  assert.ok(await count(a.id) > 0);
  for (const project of [b.id, null]) {
    assert.equal(await count(project), 0);
    const touched = await asApp(db.sql, project, async (tx) => {
      const updated = await tx`update astapa.sso_identities set subject = 'stolen' returning 1`;
      const deleted = await tx`delete from astapa.sso_identities returning 1`;
      return updated.length + deleted.length;
    });
    assert.equal(touched, 0);
  }
  const [user] = await db.sql`select id::text from astapa.users where email = 'rls@acme.example'`;
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.sso_identities (project_id, connection_id, subject, user_id)
           values (${a.id}, ${connection}, 'forged', ${user.id})`,
    ),
    /row-level security/,
  );
  const [rls] = await db.sql`select relrowsecurity and relforcerowsecurity as forced from pg_class
    where oid = 'astapa.sso_identities'::regclass`;
  assert.equal(rls.forced, true);
});

Deno.test("password sessions and challenges, resets — refused for an account at the domain; allowed elsewhere", async () => {
  const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
  const withPassword = async (email: string) =>
    (await call(a.id, (tx) => tx`select api.create_user(${a.id}, ${email}, ${hash}, true)`)).id as string;
  const atDomain = await withPassword("pw@acme.example");
  const elsewhere = await withPassword("pw@other.example");
  const session = (user: string) =>
    call(
      a.id,
      (tx) =>
        tx`select api.start_login_session(${user}, ${crypto.getRandomValues(new Uint8Array(32))},
                                                         3600, '{pwd}', ${hash})`,
    );
  const challenge = (user: string) =>
    call(
      a.id,
      (tx) =>
        tx`select api.start_mfa_challenge(${user}, ${crypto.getRandomValues(new Uint8Array(32))},
                                                          '{pwd}', true, null, null, ${hash})`,
    );
  await rejectsAs(session(atDomain), "sso_required");
  await rejectsAs(challenge(atDomain), "sso_required");
  await session(elsewhere);
  assert.equal(await challenge(elsewhere), true);
  // Another first factor (no password) judged the user in its own statement: not checked again here.
  await call(
    a.id,
    (tx) =>
      tx`select api.start_login_session(${atDomain}, ${crypto.getRandomValues(new Uint8Array(32))},
                                                              3600, '{fed}', null)`,
  );
  await whileDisabled(() => session(atDomain));

  // A reset: not mailed at the domain (the same for an unknown address), and a link mailed before refused unused.
  const mailReset = (email: string, token: Uint8Array) =>
    call(a.id, (tx) =>
      tx`select api.mail_email_link(${email}, 'reset_password', ${token}, 'Reset', 'link',
                                                     'reset_password')`);
  const known = await mailReset("pw@acme.example", new Uint8Array(32).fill(1)).catch((e) => e);
  const unknown = await mailReset("nobody@acme.example", new Uint8Array(32).fill(2)).catch((e) => e);
  assert.deepEqual([known.code, unknown.code], ["AS4E0", "AS4E0"]);
  const early = new Uint8Array(32).fill(3);
  await whileDisabled(async () => assert.equal(await mailReset("pw@acme.example", early), true));
  const reset = () => call(a.id, (tx) => tx`select api.reset_password(${early}, ${hash})`);
  await rejectsAs(reset(), "sso_required");
  await whileDisabled(async () => assert.equal((await reset()).user_id, atDomain, "the link was not used"));
  assert.equal(await mailReset("pw@other.example", new Uint8Array(32).fill(4)), true);
});

Deno.test("astapa.assert_email_not_sso_managed — no address change of their own at the domain or linked to an enabled connection", async () => {
  const signedIn = async (email: string) => {
    const user = await seedUser(db.sql, a.id, email, { verified: true });
    const hash = await sha256(`${email}-account`);
    await call(a.id, (tx) => tx`select api.start_login_session(${user}, ${hash}, 3600, '{fed}', null)`);
    return { user, hash };
  };
  const mail = { template: "account_notice", subject: "s", text: "t" };
  const ask = (hash: Uint8Array, newEmail: string, token: string) =>
    sha256(token).then((tokenHash) =>
      changeAccount(db.sql, a.id, hash, { kind: "email", newEmail, tokenHash, freshSeconds: 600, mail })
    );
  const overview = (hash: Uint8Array) => accountOverview(db.sql, a.id, hash, null);
  const managed = async (hash: Uint8Array) => (await overview(hash))?.email_managed;
  const email = async (user: string) =>
    (await db.sql`select email from astapa.users where id = ${user}`)[0].email as string;

  // At the domain: refused, and the page offers no change; with the connection off, an address like any other.
  const atDomain = await signedIn("mgd.own@acme.example");
  await rejectsAs(
    ask(atDomain.hash, "mgd.own@personal.example", "m1"),
    "email_managed_by_sso",
    /changes there/,
  );
  assert.equal(await managed(atDomain.hash), true);
  assert.equal((await overview(atDomain.hash))?.sso_sign_in, true, "no password offered either");
  await whileDisabled(async () => {
    assert.equal(await managed(atDomain.hash), false);
    assert.equal((await overview(atDomain.hash))?.sso_sign_in, false);
    assert.equal(await ask(atDomain.hash, "mgd.own@personal.example", "m2"), true);
  });
  // Asked for while it was off, confirmed once it is on again: refused, the address kept, the link left unused.
  await rejectsAs(
    confirmEmailChange(db.sql, a.id, await sha256("m2"), mail),
    "email_managed_by_sso",
  );
  assert.equal(await email(atDomain.user), "mgd.own@acme.example");
  await whileDisabled(async () => {
    assert.equal(await confirmEmailChange(db.sql, a.id, await sha256("m2"), mail), "changed");
  });
  assert.equal(await email(atDomain.user), "mgd.own@personal.example");

  // Linked to the enabled connection, at another domain: the IdP's address all the same.
  const linked = await signedIn("mgd.linked@other.example");
  await db.sql`insert into astapa.sso_identities (project_id, connection_id, subject, user_id)
               values (${a.id}, ${connection}, 'idp-linked', ${linked.user})`;
  await rejectsAs(ask(linked.hash, "mgd.linked@elsewhere.example", "m3"), "email_managed_by_sso");
  assert.equal(await managed(linked.hash), true);
  assert.equal(
    (await overview(linked.hash))?.sso_sign_in,
    false,
    "its address may still sign in with a password",
  );
  await whileDisabled(async () => assert.equal(await managed(linked.hash), false));

  // Neither: the person's own to change.
  const free = await signedIn("mgd.free@other.example");
  assert.equal(await managed(free.hash), false);
  assert.equal(await ask(free.hash, "mgd.free@elsewhere.example", "m4"), true);

  // Nor may an account move onto the domain: its next SSO sign-in would take this account over by address.
  await rejectsAs(ask(free.hash, "Mgd.Free@ACME.example.", "m5"), "sso_required");
  // Asked for while SSO was off, confirmed once it is on: refused, the address kept.
  await whileDisabled(async () => assert.equal(await ask(free.hash, "mgd.moving@acme.example", "m6"), true));
  await rejectsAs(confirmEmailChange(db.sql, a.id, await sha256("m6"), mail), "sso_required");
  assert.equal(await email(free.user), "mgd.free@other.example");
  const onto = await db.sql`select 1 from astapa.mail_outbox where to_address = 'Mgd.Free@ACME.example.'`;
  assert.equal(onto.length, 0, "no link mailed to the SSO domain");
});

Deno.test("astapa.assert_email_not_sso_managed — the address's case or a rooted domain (trailing dot) is no way around it", async () => {
  const mail = { template: "account_notice", subject: "s", text: "t" };
  for (const [n, email] of [[1, "Case.Mgd+tag@ACME.Example"], [2, "rooted.mgd@acme.example."]] as const) {
    // Both are addresses an app may hold (api.create_user takes them as given).
    const user = await seedUser(db.sql, a.id, email, { verified: true });
    const hash = await sha256(`variant-${n}`);
    await call(a.id, (tx) => tx`select api.start_login_session(${user}, ${hash}, 3600, '{fed}', null)`);
    await rejectsAs(
      changeAccount(db.sql, a.id, hash, {
        kind: "email",
        newEmail: `variant.${n}@personal.example`,
        tokenHash: await sha256(`variant-token-${n}`),
        freshSeconds: 600,
        mail,
      }),
      "email_managed_by_sso",
    );
    assert.equal((await accountOverview(db.sql, a.id, hash, null))?.email_managed, true, email);
  }
});

Deno.test("api.confirm_email_change — AS4E2 once the IdP manages the address, AS4E0 for a new address at an SSO domain; the link stays unused", async () => {
  const mail = { template: "account_notice", subject: "s", text: "t" };
  const signedIn = async (email: string) => {
    const user = await seedUser(db.sql, a.id, email, { verified: true });
    const hash = await sha256(`${email}-direct`);
    await call(a.id, (tx) => tx`select api.start_login_session(${user}, ${hash}, 3600, '{fed}', null)`);
    return { user, hash };
  };
  const ask = async (hash: Uint8Array, newEmail: string, token: string) =>
    changeAccount(db.sql, a.id, hash, {
      kind: "email",
      newEmail,
      tokenHash: await sha256(token),
      freshSeconds: 600,
      mail,
    });
  const confirm = (token: string) =>
    call<string>(
      a.id,
      async (tx) => tx`select api.confirm_email_change(${await sha256(token)}, ${tx.json(mail)})`,
    );
  const unused = async (token: string) =>
    (await db
      .sql`select used_at is null as unused from astapa.email_changes where token_hash = ${await sha256(
        token,
      )}`)[0]
      .unused;

  const managed = await signedIn("direct.managed@acme.example");
  const moving = await signedIn("direct.moving@personal.example");
  await whileDisabled(async () => {
    assert.equal(await ask(managed.hash, "direct.managed@personal.example", "d1"), true);
    assert.equal(await ask(moving.hash, "direct.moving@acme.example", "d2"), true);
  });
  await rejectsAs(confirm("d1"), "email_managed_by_sso");
  await rejectsAs(confirm("d2"), "sso_required");
  assert.deepEqual([await unused("d1"), await unused("d2")], [true, true]);
  const emails = await db
    .sql`select email from astapa.users where id in (${managed.user}, ${moving.user}) order by id`;
  assert.deepEqual(emails.map((r) => r.email), [
    "direct.managed@acme.example",
    "direct.moving@personal.example",
  ]);
});
