/**
 * astapa.email_domain (db/api/email_domains.sql): the domain of an address as mail is delivered to it, in the ASCII
 * spelling domains are verified and listed in. Postgres has no IDNA library, so the SQL is held to the WHATWG URL
 * parser's domainToASCII (UTS #46, as browsers and mail clients map a typed domain) on every kind of spelling an
 * address could use to pass for a verified or listed domain, as is the app's copy for its early checks
 * (lib/login/sso/email_domain.ts); and astapa.punycode to RFC 3492's own samples.
 */
import assert from "node:assert/strict";
import { domainToASCII } from "node:url";
import { emailDomain } from "@/lib/login/sso/email_domain.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const value = <T>(query: Parameters<typeof appValue>[2]) => appValue<T>(db.sql, null, query);

const SPELLINGS = [
  "acme.example", // plain
  "ACME.Example", // any case
  "acme.example.", // a rooted name
  "ａｃｍｅ．ｅｘａｍｐｌｅ", // full-width letters and dot
  "acme。example", // ideographic full stop
  "ac\u00ADme.example", // soft hyphen
  "ac\u200Bme.example", // zero-width space
  "ac\u2060me\uFEFF.example", // word joiner, byte order mark
  "ac\uFE0Fme.example", // variation selector
  "ﬁrma.example", // a ligature
  "Ⅻ.example", // a compatibility numeral
  "bücher.example", // Unicode label
  "BÜCHER.example", // upper case Unicode
  "bu\u0308cher.example", // decomposed ü
  "ＢÜＣＨＥＲ.example", // full-width and Unicode together
  "mail.bücher.example", // a subdomain of one
  "école.fr",
  "straße.de", // kept as ß (UTS #46 nontransitional, as WHATWG)
  "münchen.de",
  "例え.テスト",
  "παράδειγμα.δοκιμή",
  "пример.испытание",
  "☕.example",
  "xn--bcher-kva.example", // already ASCII
  "toko-kopi.co.id",
];

Deno.test("astapa.email_domain — every spelling comes out as WHATWG's domainToASCII writes it", async () => {
  for (const spelling of SPELLINGS) {
    const expected = domainToASCII(spelling).replace(/\.$/, "");
    assert.notEqual(expected, "", `domainToASCII refused ${spelling}`);
    const sql = await value<string>((tx) => tx`select astapa.email_domain(${`Dewi@${spelling}`}) as d`);
    assert.equal(sql, expected, `${JSON.stringify(spelling)}`);
    assert.equal(emailDomain(`Dewi@${spelling}`), expected, `app: ${JSON.stringify(spelling)}`);
  }
  assert.equal(emailDomain("acme.example"), "", "no @, no domain");
});

Deno.test("astapa.email_domain — after the last @, trimmed; null without an @ or for null", async () => {
  assert.equal(
    await value((tx) => tx`select astapa.email_domain(' "a@b"@Kantor.Example ') as d`),
    "kantor.example",
  );
  assert.equal(await value((tx) => tx`select astapa.email_domain('kantor.example') as d`), null);
  assert.equal(await value((tx) => tx`select astapa.email_domain(null) as d`), null);
  assert.equal(await value((tx) => tx`select astapa.email_domain('dewi@') as d`), "");
});

Deno.test("astapa.punycode — RFC 3492's samples (section 7.1) and the label xn-- names carry", async () => {
  const samples: [string, string][] = [
    ["bücher", "bcher-kva"],
    ["ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"], // (A) Arabic (Egyptian)
    ["他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"], // (B) Chinese (simplified)
    ["почемужеонинеговорятпорусски", "b1abfaaepdrnnbgefbadotcwatmq2g4l"], // (I) Russian
    ["3年b組金八先生", "3b-ww4c5e180e575a65lsy2b"], // (L)
    ["安室奈美恵-with-super-monkeys", "-with-super-monkeys-pc58ag80a8qai00g7n9n"], // (M)
    ["パフィーdeルンバ", "de-jg4avhby1noc0d"], // (Q)
  ];
  for (const [label, encoded] of samples) {
    assert.equal(await value((tx) => tx`select astapa.punycode(${label}) as p`), encoded, label);
  }
});
