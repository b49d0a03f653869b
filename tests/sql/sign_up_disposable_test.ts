/**
 * db/api/sign_up_rules.sql's block_disposable_domains and block_subaddresses: validated, off by default; a listed
 * domain or any domain under it refused, read as astapa.email_domain writes it, unless disposable_allowed_domains
 * names it (never past blocked_domains or allowed_domains); +, = and # in the local part
 * refused; the SQLSTATEs (AS4N5 with the domain, AS4N6); the project's own user creation unaffected; the list
 * (migration 4340, from mailchecker) loaded and probed through its primary key.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const project = await seedProject(db.sql, { name: "Toko" });

const settle = (signUp: unknown) =>
  appValue<Json>(
    db.sql,
    project.id,
    (tx) => tx`select api.update_project_settings(${project.id}, ${tx.json({ sign_up: signUp } as never)})`,
  );
/** settings.sign_up exactly `value` (api.update_project_settings merges sign_up, so cleared first). */
const rules = async (value: unknown) => {
  await settle(null);
  if (value !== null) await settle(value);
};
const refusal = (email: string | null) =>
  appValue<Json | null>(
    db.sql,
    project.id,
    (tx) => tx`select astapa.sign_up_refusal(${project.id}, ${email}, null)`,
  );
const userCount = () =>
  db.sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`.then(([r]) =>
    r.n as number
  );

Deno.test("astapa.disposable_email_domains — mailchecker's list is loaded: throwaway services in, mail providers out", async () => {
  const [row] = await db.sql`select count(*)::int as n,
      count(*) filter (where domain in ('mailinator.com', 'yopmail.com', 'tempr.email'))::int as throwaway,
      count(*) filter (where domain in ('gmail.com', 'yahoo.com', 'outlook.com', 'proton.me', 'icloud.com',
                                        'yahoo.co.id'))::int as providers
    from astapa.disposable_email_domains`;
  assert.ok(row.n > 50_000, `${row.n} domains`);
  assert.equal(row.throwaway, 3);
  assert.equal(row.providers, 0);
});

Deno.test("api.update_project_settings sign_up — block_disposable_domains and block_subaddresses are booleans; null is the default", async () => {
  await rules(null);
  const saved = await settle({ block_disposable_domains: true, block_subaddresses: false });
  assert.deepEqual((saved.settings as Json).sign_up, {
    block_disposable_domains: true,
    block_subaddresses: false,
  });
  const merged = await settle({ block_subaddresses: null, mode: "open" });
  assert.deepEqual((merged.settings as Json).sign_up, { block_disposable_domains: true, mode: "open" });
  for (
    const value of [{ block_disposable_domains: "yes" }, { block_subaddresses: 1 }, {
      block_subaddresses: [],
    }]
  ) {
    await rejectsAs(settle(value), "validation_failed", /must be true or false/);
  }
  await rejectsAs(
    settle({ block_disposable: true }),
    "validation_failed",
    /block_disposable_domains, disposable_allowed_domains, block_subaddresses and require_legal_consent only/,
  );
  await rules(null);
});

Deno.test("astapa.sign_up_refusal — both off by default: a throwaway domain and a +tag sign up", async () => {
  await rules(null);
  assert.equal(await refusal("ayu+test@mailinator.com"), null);
  await rules({ mode: "open", blocked_domains: ["spam.example"] });
  assert.equal(await refusal("ayu+test@mailinator.com"), null);
  await rules({ block_disposable_domains: false, block_subaddresses: false });
  assert.equal(await refusal("ayu+test@mailinator.com"), null);
});

Deno.test("astapa.sign_up_refusal — block_disposable_domains: a listed domain and its subdomains, however spelled", async () => {
  await rules({ block_disposable_domains: true });
  const disposable = (domain: string) => ({ reason: "disposable", domain });
  assert.deepEqual(await refusal("ayu@tempr.email"), disposable("tempr.email"));
  assert.deepEqual(
    await refusal("ayu@mail.tempr.email"),
    disposable("mail.tempr.email"),
    "a parent is listed",
  );
  assert.deepEqual(await refusal("ayu@a.b.MAILINATOR.com"), disposable("a.b.mailinator.com"));
  assert.deepEqual(await refusal("Ayu@TEMPR.Email."), disposable("tempr.email"), "case and a trailing dot");
  assert.deepEqual(
    await refusal("ayu@ｔｅｍｐｒ．ｅｍａｉｌ"),
    disposable("tempr.email"),
    "full-width letters",
  );
  assert.deepEqual(
    await refusal("ayu@temp\u200Br.email"),
    disposable("tempr.email"),
    "an invisible character",
  );
  assert.equal(await refusal("ayu@gmail.com"), null);
  assert.equal(await refusal("ayu@notempr.email"), null, "a label is compared whole");
  assert.equal(
    await refusal("ayu@tempr.email.example"),
    null,
    "a listed name under another domain is not it",
  );
  assert.equal(await refusal("ayu+tag@gmail.com"), null, "subaddresses are the other switch");
  assert.equal(await refusal(null), null, "a number alone names no domain");
  await rules(null);
});

Deno.test("api.update_project_settings sign_up — disposable_allowed_domains is a domain list as allowed_domains is", async () => {
  await rules(null);
  const saved = await settle({ disposable_allowed_domains: ["duck.com", "*.mozmail.com"] });
  assert.deepEqual((saved.settings as Json).sign_up, {
    disposable_allowed_domains: ["duck.com", "*.mozmail.com"],
  });
  const cleared = await settle({ disposable_allowed_domains: null, block_disposable_domains: true });
  assert.deepEqual((cleared.settings as Json).sign_up, { block_disposable_domains: true });
  const refusals: [unknown, RegExp][] = [
    ["duck.com", /sign_up\.disposable_allowed_domains must be a list of domains/],
    [[1], /sign_up\.disposable_allowed_domains: Each domain must be a string/],
    [["bad_domain"], /sign_up\.disposable_allowed_domains: bad_domain is not a domain/],
    [["dück.com"], /sign_up\.disposable_allowed_domains: dück\.com: write an internationalised domain/],
    [["duck.com", "DUCK.com"], /sign_up\.disposable_allowed_domains lists a domain twice/],
    [
      Array.from({ length: 101 }, (_, i) => `d${i}.example`),
      /disposable_allowed_domains may hold at most 100/,
    ],
  ];
  for (const [value, reason] of refusals) {
    await rejectsAs(settle({ disposable_allowed_domains: value }), "validation_failed", reason);
  }
  await rules(null);
});

Deno.test("astapa.sign_up_refusal — disposable_allowed_domains lifts block_disposable_domains for its domains only", async () => {
  await rules({
    block_disposable_domains: true,
    disposable_allowed_domains: ["duck.com", "*.mozmail.com", "ADDY.io"],
  });
  const disposable = (domain: string) => ({ reason: "disposable", domain });
  assert.equal(await refusal("ayu@duck.com"), null, "an exact entry");
  assert.equal(await refusal("Ayu@DUCK.Com."), null, "case and a trailing dot");
  assert.equal(await refusal("ayu@addy.io"), null, "an entry in capitals");
  assert.equal(await refusal("ayu@x7.mozmail.com"), null, "a *. entry: its subdomains");
  assert.deepEqual(
    await refusal("ayu@mozmail.com"),
    disposable("mozmail.com"),
    "*. is not the domain itself",
  );
  assert.deepEqual(
    await refusal("ayu@mail.duck.com"),
    disposable("mail.duck.com"),
    "an exact entry is not its subdomains",
  );
  assert.deepEqual(await refusal("ayu@mailinator.com"), disposable("mailinator.com"), "the rest of the list");
  assert.deepEqual(
    await refusal("ayu@ｄｕｃｋ．ｃｏｍ"),
    disposable("duck.com"),
    "full-width letters: refused as before, not let in on a guess",
  );
  assert.deepEqual(await refusal("ayu@du\u200Bck.com"), disposable("duck.com"), "an invisible character");
  assert.equal(await refusal("ayu+x@duck.com"), null, "subaddresses are the other switch");

  // It lifts the switch only: the domain lists still refuse.
  await rules({
    block_disposable_domains: true,
    disposable_allowed_domains: ["duck.com", "addy.io"],
    blocked_domains: ["addy.io"],
  });
  assert.deepEqual(await refusal("ayu@addy.io"), { reason: "domain", domain: "addy.io" }, "blocked wins");
  assert.equal(await refusal("ayu@duck.com"), null);
  await rules({
    block_disposable_domains: true,
    disposable_allowed_domains: ["duck.com"],
    allowed_domains: ["kantor.example"],
  });
  assert.deepEqual(
    await refusal("ayu@duck.com"),
    { reason: "domain", domain: "duck.com" },
    "allowed_domains excludes it",
  );
  assert.equal(await refusal("ayu@kantor.example"), null);

  // With the switch off, the exceptions change nothing.
  await rules({ disposable_allowed_domains: ["duck.com"] });
  assert.equal(await refusal("ayu@mailinator.com"), null);
  await rules(null);
});

Deno.test("astapa.sign_up_refusal — block_subaddresses: +, = or # in the local part", async () => {
  await rules({ block_subaddresses: true });
  for (
    const email of [
      "ayu+promo@example.com",
      "ayu=promo@example.com",
      "ayu#promo@example.com",
      " +@example.com",
    ]
  ) {
    assert.deepEqual(await refusal(email), { reason: "subaddress" }, email);
  }
  for (const email of ["ayu@example.com", "ayu.dewi_1-x@example.com", '"ayu@kantor"@example.com']) {
    assert.equal(await refusal(email), null, email);
  }
  assert.equal(await refusal("ayu@mailinator.com"), null, "throwaway domains are the other switch");
  assert.equal(await refusal(null), null);
  // The domain rules come first: a blocked domain says so.
  await rules({
    block_subaddresses: true,
    block_disposable_domains: true,
    blocked_domains: ["spam.example"],
  });
  assert.equal((await refusal("ayu+x@spam.example"))?.reason, "domain");
  assert.equal((await refusal("ayu+x@tempr.email"))?.reason, "disposable");
  await rules(null);
});

Deno.test("astapa.assert_sign_up_allowed — AS4N5 with the domain in DETAIL, AS4N6; api.sign_up_user writes nothing; api.create_user unaffected", async () => {
  const check = (email: string) =>
    asApp(db.sql, project.id, (tx) => tx`select astapa.assert_sign_up_allowed(${project.id}, ${email})`);
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(() => "allowed", (error) => `${error.code} ${error.message} ${error.detail ?? ""}`.trim());
  await rules({ block_disposable_domains: true, block_subaddresses: true });
  assert.equal(
    await codeOf(check("ayu@mail.tempr.email")),
    "AS4N5 mail.tempr.email is a disposable mail service: sign up for Toko with a permanent address. " +
      "mail.tempr.email",
  );
  assert.equal(
    await codeOf(check("ayu+promo@example.com")),
    "AS4N6 Sign up for Toko with an address without a +tag (no +, = or # before the @).",
  );
  await rejectsAs(check("ayu@tempr.email"), "sign_up_refused");
  await rejectsAs(check("ayu+promo@example.com"), "sign_up_refused");

  const sign = (email: string) =>
    appValue(db.sql, project.id, (tx) => tx`select api.sign_up_user(${project.id}, ${email}, null)`);
  const before = await userCount();
  await rejectsAs(sign("baru@yopmail.com"), "sign_up_refused", /./);
  await rejectsAs(sign("baru+1@example.com"), "sign_up_refused", /./);
  assert.equal(await userCount(), before);
  // The project acting (Platform API, import, dashboard, CLI: api.create_user) is not a sign-up.
  await seedUser(db.sql, project.id, "dibuat@yopmail.com");
  await seedUser(db.sql, project.id, "dibuat+1@example.com");
  assert.equal(await userCount(), before + 2);
  await rules(null);
  assert.equal(await codeOf(check("ayu+promo@tempr.email")), "allowed");
});

Deno.test("astapa.disposable_domain — one probe of the list's primary key per label, no scan of the list", async () => {
  // auto_explain shows the plan of the query inside the function (a SET search_path function is never inlined).
  const notices: string[] = [];
  const sql = postgres(db.url, { max: 1, onnotice: (notice) => notices.push(notice.message as string) });
  try {
    await sql.begin(async (tx) => {
      await tx`load 'auto_explain'`;
      await tx`set local auto_explain.log_min_duration = 0`;
      await tx`set local auto_explain.log_nested_statements = on`;
      await tx`set local client_min_messages = log`;
      const [row] = await tx`select astapa.disposable_domain('a.b.mail.tempr.email') as listed`;
      assert.equal(row.listed, true);
    });
  } finally {
    await sql.end();
  }
  const plan = notices.find((n) => n.includes("disposable_email_domains")) ?? notices.join("\n");
  assert.match(plan, /Index Only Scan using disposable_email_domains_pkey/);
  assert.match(plan, /Index Cond: \(domain = ANY/);
  assert.doesNotMatch(plan, /Seq Scan/);
});
