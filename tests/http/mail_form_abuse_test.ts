/**
 * The hosted forms a script would repeat to flood a mailbox or a list (docs/project-settings.md "The waitlist",
 * docs/hosted-login.md): joining the waitlist is limited per address and IP, per IP and per address (production
 * strict, sandbox relaxed; 429 like the sign-in forms, the same page whatever the address's state, nothing
 * written); "forgot" and "send the link again" cap the mail one address gets from any number of IPs; a CR/LF
 * header injection in the address of any of these forms (and the passkey sign-up's code) mails nobody else,
 * stores nothing and crashes nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { ATTEMPTS } from "@/lib/login/flow.ts";

const t = await testApp({ env: { ASTAPA_TRUST_PROXY: "1" } });
Deno.test.afterAll(() => t.close());
const sql = t.db.sql;

const production = async (p: SeededProject) => {
  await sql`update astapa.projects set mode = 'production' where id = ${p.id}`;
  return p;
};

/** A browser at `address` holding the CSRF pair of `pagePath`'s form, posting to `path` in `lang`. */
async function browser(p: SeededProject, pagePath: string, address: string) {
  const request = new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri });
  const page = await t.app.request(`${pagePath}?${request}`, { headers: { "x-forwarded-for": address } });
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  return (path: string, fields: Record<string, string>, lang = "en") =>
    t.app.request(`${path}?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, "x-forwarded-for": address },
      body: new URLSearchParams({ request: request.toString(), csrf, ...fields }),
    });
}

const entries = async (p: SeededProject) =>
  (await sql`select count(*)::int as n from astapa.waitlist_entries where project_id = ${p.id}`)[0].n;
const mailsTo = async (email: string) =>
  (await sql`select count(*)::int as n from astapa.mail_outbox where lower(to_address) = ${email}`)[0].n;
const page = async (res: Response, email: string) => {
  const html = await res.text();
  const anyBrowser = html.replace(/nonce="[^"]*"/g, "").replace(/name="csrf" value="[^"]*"/, "");
  return { status: res.status, html: anyBrowser.replaceAll(email, "ADDRESS") };
};

const WAITLIST = { sign_up: { mode: "waitlist" } };
const { perEmail, perAddress } = ATTEMPTS.production;

Deno.test("waitlist limits — production: one address from one IP joins perEmail times, then 429 (en, id) the same for an account's address and a new one; nothing written", async () => {
  const p = await production(await seedProject(sql, { name: "Ramai", settings: WAITLIST }));
  await seedUser(sql, p.id, "punya@ramai.example");
  const answers = [];
  for (const email of ["punya@ramai.example", "baru@ramai.example"]) {
    const post = await browser(p, "/auth/waitlist", "198.51.100.1");
    for (let i = 0; i < perEmail; i++) {
      const ok = await post("/auth/waitlist", { email });
      assert.equal(ok.status, 200, `join ${i + 1}`);
      await ok.body?.cancel();
    }
    answers.push(await page(await post("/auth/waitlist", { email }), email));
    answers.push(await page(await post("/auth/waitlist", { email }, "id"), email));
  }
  assert.deepEqual(answers.map((a) => a.status), [429, 429, 429, 429]);
  assert.match(answers[0].html, /Too many attempts\. Try again in/);
  assert.match(answers[1].html, /Terlalu banyak percobaan/);
  assert.equal(answers[0].html, answers[2].html, "an account's address and a new one: the same page");
  assert.equal(answers[1].html, answers[3].html);
  assert.equal(await entries(p), 2, "one row an address, the account's too (it is not even looked up)");
  // Another IP that never sent the address still joins it: nobody keeps its owner off the list from elsewhere.
  const owner = await browser(p, "/auth/waitlist", "198.51.100.2");
  assert.equal((await owner("/auth/waitlist", { email: "baru@ramai.example" })).status, 200);
});

Deno.test("waitlist limits — production: one IP joins perAddress addresses, then 429 and nothing stored; sandbox is relaxed", async () => {
  const p = await production(await seedProject(sql, { name: "Penuh", settings: WAITLIST }));
  const post = await browser(p, "/auth/waitlist", "198.51.100.3");
  for (let i = 0; i < perAddress; i++) {
    const res = await post("/auth/waitlist", { email: `orang${i}@penuh.example` });
    assert.equal(res.status, 200, `join ${i + 1}`);
    await res.body?.cancel();
  }
  const over = await post("/auth/waitlist", { email: "satu.lagi@penuh.example" });
  assert.equal(over.status, 429);
  await over.body?.cancel();
  assert.equal(await entries(p), perAddress);

  const sandbox = await seedProject(sql, { name: "Santai", settings: WAITLIST });
  const relaxed = await browser(sandbox, "/auth/waitlist", "198.51.100.4");
  for (let i = 0; i <= perEmail; i++) {
    const res = await relaxed("/auth/waitlist", { email: "sama@santai.example" });
    assert.equal(res.status, 200, `sandbox join ${i + 1}: past production's ${perEmail}`);
    await res.body?.cancel();
  }
});

Deno.test('mail limits — "forgot" and "send the link again" mail one address at most perEmail times, from any number of IPs', async () => {
  const p = await production(
    await seedProject(sql, { name: "Surat", settings: { require_verified_email: true } }),
  );
  const victim = "korban@surat.example";
  await seedUser(sql, p.id, victim, { verified: true });
  const statuses = [];
  for (let i = 0; i < perEmail + 5; i++) {
    // A new IP each time: the address's own ceiling is strict for forms that mail (it caps a victim's mail).
    const post = await browser(p, "/auth/forgot", `203.0.113.${10 + i}`);
    const res = await post("/auth/forgot", { email: victim });
    statuses.push(res.status);
    await res.body?.cancel();
  }
  assert.deepEqual(statuses, [...Array(perEmail).fill(200), ...Array(5).fill(429)]);
  assert.equal(await mailsTo(victim), perEmail);

  const unverified = "baru@surat.example";
  await seedUser(sql, p.id, unverified);
  const resent = [];
  for (let i = 0; i < 4; i++) {
    const post = await browser(p, "/auth/login", `203.0.113.${100 + i}`);
    const res = await post("/auth/resend", { email: unverified });
    resent.push(res.status);
    await res.body?.cancel();
  }
  assert.deepEqual(resent, [200, 429, 429, 429], "one link a minute, whoever asks");
  assert.equal(await mailsTo(unverified), 1);
});

const INJECTED = "korban@contoh.example\r\nBcc: pencuri@attacker.example";

Deno.test("header injection — a CR/LF in the address of the waitlist, forgot, resend and passkey sign-up forms mails nobody else, stores nothing, crashes nothing", async () => {
  const waitlist = await seedProject(sql, { name: "Antre", settings: WAITLIST });
  const plain = await seedProject(sql, { name: "Biasa", settings: { require_verified_email: true } });
  const passkeys = await seedProject(sql, { name: "Kunci", settings: { passwords: false, passkeys: true } });
  await seedUser(sql, plain.id, "korban@contoh.example");
  const forms: [SeededProject, string, string, Record<string, string>][] = [
    [waitlist, "/auth/waitlist", "/auth/waitlist", {}],
    [plain, "/auth/forgot", "/auth/forgot", {}],
    [plain, "/auth/login", "/auth/resend", {}],
    [passkeys, "/auth/signup", "/auth/signup/passkey", { action: "send" }],
  ];
  for (const [p, from, to, fields] of forms) {
    for (
      const email of [INJECTED, `${INJECTED}\r\n`, "korban@contoh.example\nTo: pencuri@attacker.example"]
    ) {
      const post = await browser(p, from, "192.0.2.50");
      const res = await post(to, { ...fields, email });
      assert.ok(res.status < 500, `${to}: ${res.status}`);
      await res.body?.cancel();
      const headers = [...res.headers].map(([name, value]) => `${name}: ${value}`).join("\n");
      assert.doesNotMatch(headers, /pencuri/, `${to}: no header of the answer carries the injected one`);
    }
  }
  const [mailed] = await sql`select count(*)::int as n from astapa.mail_outbox
    where to_address ~ '[\r\n]' or to_address ilike '%attacker%'`;
  assert.equal(mailed.n, 0, "no mail to an injected address");
  const [stored] = await sql`select count(*)::int as n from astapa.waitlist_entries where email ~ '[\r\n]'`;
  assert.equal(stored.n, 0);
  assert.equal(await entries(waitlist), 0, "a malformed address joins nothing");
});
