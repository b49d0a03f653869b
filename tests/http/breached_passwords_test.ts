/**
 * Chosen passwords looked up in Pwned Passwords by range (lib/breached_passwords.ts), against a local range
 * server: a breached one is refused on sign-up, reset and the account page (en and id) and nothing is written;
 * only five characters of the SHA-1 leave the server, with padding asked for; a lookup that fails or takes too
 * long lets the password through (logged), and `off` asks nothing. At sign-in a right but breached password lets
 * nobody in and mails a reset link. A project may turn either lookup off.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { asApp } from "@/db/client.ts";
import { breachVerdict } from "@/lib/breached_passwords.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { submitForm } from "../helpers/login.ts";

const BREACHED = "correct horse battery staple";
/** Named only by a padding line (count 0): no breach. */
const PADDED = "named only by padding";
const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex").toUpperCase();

/** A Pwned Passwords range server: BREACHED seen 42 times, padding lines (count 0), and what it was asked. */
function rangeServer() {
  const asked: { path: string; padding: string | null }[] = [];
  const state = { answer: "range" as "range" | "503" | "hang" };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    asked.push({ path: url.pathname, padding: req.headers.get("add-padding") });
    if (state.answer === "503") return new Response("busy", { status: 503 });
    if (state.answer === "hang") {
      // Answers only once the caller gave up (so the server can still stop).
      return new Promise<Response>((answer) =>
        req.signal.addEventListener("abort", () => answer(new Response(null)))
      );
    }
    const prefix = url.pathname.slice("/range/".length);
    const hash = sha1(BREACHED);
    const lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:3", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0"];
    if (prefix === hash.slice(0, 5)) lines.push(`${hash.slice(5)}:42`);
    if (prefix === sha1(PADDED).slice(0, 5)) lines.push(`${sha1(PADDED).slice(5)}:0`);
    return new Response(lines.join("\r\n"));
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, asked, state, close: () => server.shutdown() };
}

const range = rangeServer();
// A deadline no loaded machine misses for a local answer; the hanging case below uses a short one of its own.
const t = await testApp({ env: { PWNED_PASSWORDS_URL: range.url, PWNED_PASSWORDS_TIMEOUT_MS: "30000" } });
const project = await seedProject(t.db.sql, { name: "Warung" });
Deno.test.afterAll(async () => {
  await t.close();
  await range.close();
});

const usersNamed = async (email: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.users where email_lower = ${email}`)[0].n;

Deno.test("breached passwords — sign-up refuses one seen in a breach, in English and Indonesian; nothing written", async () => {
  range.state.answer = "range";
  const en = await submitForm(t, project, "/auth/signup", { email: "leak@example.com", password: BREACHED });
  assert.equal(en.status, 422);
  assert.match(await en.text(), /appeared in a data breach on another site/);
  const id = await submitForm(
    t,
    project,
    "/auth/signup",
    { email: "leak@example.com", password: BREACHED },
    { ui_locales: "id" },
  );
  assert.equal(id.status, 422);
  assert.match(await id.text(), /pernah bocor dalam pembobolan data/);
  assert.equal(await usersNamed("leak@example.com"), 0);
  // Only the first five characters of the hash left, and padding was asked for.
  const hash = sha1(BREACHED);
  assert.deepEqual(range.asked.at(-1), { path: `/range/${hash.slice(0, 5)}`, padding: "true" });
  assert.ok(range.asked.every((a) => !a.path.includes(hash.slice(5, 15))));

  const fine = await submitForm(t, project, "/auth/signup", {
    email: "fine@example.com",
    password: "a passphrase nobody leaked",
  });
  assert.ok(fine.status === 303 || fine.status === 200, String(fine.status));
  await fine.body?.cancel();
  assert.equal(await usersNamed("fine@example.com"), 1);
});

Deno.test("breached passwords — a reset link refuses one too, and the link stays usable", async () => {
  range.state.answer = "range";
  const user = await seedUser(t.db.sql, project.id, "resetter@example.com", { verified: true });
  const token = randomSecret();
  await t.db.sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
                 values (${project.id}, ${await sha256(
    token,
  )}, ${user}, 'reset_password', now() + interval '1 hour')`;
  const refused = await submitForm(t, project, "/auth/reset", { password: BREACHED }, {}, `&token=${token}`);
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /appeared in a data breach/);
  const [row] = await t.db.sql`select used_at from astapa.email_tokens where user_id = ${user}`;
  assert.equal(row.used_at, null, "the link was not spent on a refused password");
  const saved = await submitForm(
    t,
    project,
    "/auth/reset",
    { password: "a passphrase nobody leaked" },
    {},
    `&token=${token}`,
  );
  assert.equal(saved.status, 303);
});

Deno.test("breached passwords — the account page refuses one as a new password", async () => {
  range.state.answer = "range";
  const user = await seedUser(t.db.sql, project.id, "changer@example.com", { verified: true });
  const session = randomSecret();
  await asApp(
    t.db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(session)})`,
  );
  const csrf = randomSecret();
  const [{ seeded }] = await t.db.sql`select password_hash as seeded from astapa.users where id = ${user}`;
  const res = await t.app.request("/account", {
    method: "POST",
    headers: {
      cookie: `astapa_session_${project.id}=${session}; astapa_csrf=${csrf}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      request: `client_id=${project.clientId}`,
      csrf,
      action: "password",
      password: BREACHED,
    }),
  });
  assert.match(res.headers.get("location") ?? "", /problem=breachedPassword/);
  const [{ password_hash }] = await t.db.sql`select password_hash from astapa.users where id = ${user}`;
  assert.equal(password_hash, seeded, "the password did not change");
});

Deno.test("breached passwords — a lookup that fails or hangs lets the password through, logged; off asks nothing", async () => {
  const lookup = { url: range.url, timeoutMs: 30_000 };
  range.state.answer = "503";
  const logged = t.logs.length;
  assert.equal(await breachVerdict(lookup, BREACHED), "unavailable");
  range.state.answer = "hang";
  assert.equal(await breachVerdict({ ...lookup, timeoutMs: 200 }, BREACHED), "unavailable");
  const lines = t.logs.slice(logged).filter((l) => l.msg === "password_breach_check_unavailable");
  assert.deepEqual(lines.map((l) => l.status ?? l.error), [503, "TimeoutError"]);
  assert.ok(!JSON.stringify(lines).includes(sha1(BREACHED).slice(5)), "the log carries no part of the hash");
  // Through the form, the range answering 503: the sign-up goes on.
  range.state.answer = "503";
  const res = await submitForm(t, project, "/auth/signup", {
    email: "outage@example.com",
    password: BREACHED,
  });
  assert.ok(res.status === 303 || res.status === 200, String(res.status));
  await res.body?.cancel();
  assert.equal(await usersNamed("outage@example.com"), 1);

  range.state.answer = "range";
  const before = range.asked.length;
  assert.equal(await breachVerdict({ url: null, timeoutMs: 200 }, BREACHED), "clean");
  assert.equal(range.asked.length, before);
  // A padding line (count 0) naming the suffix is no breach; a suffix not listed is none either.
  assert.equal(await breachVerdict(lookup, PADDED), "clean");
  assert.equal(await breachVerdict(lookup, "not in the list"), "clean");
  assert.equal(await breachVerdict(lookup, BREACHED), "breached");
});

/** A verified user of `where` whose password is `password`. */
async function userWithPassword(where: { id: string }, email: string, password: string): Promise<string> {
  const user = await seedUser(t.db.sql, where.id, email, { verified: true });
  await t.db.sql`update astapa.users set password_hash = ${await hashPassword(password)} where id = ${user}`;
  return user;
}

const resetMails = async (email: string) =>
  (await t.db
    .sql`select body_text from astapa.mail_outbox where to_address = ${email} and kind = 'reset_password'`)
    .length;
const sessionsOf = async (user: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.login_sessions where user_id = ${user}`)[0].n;

Deno.test("breached passwords at sign-in — right but breached: nobody gets in, a reset link is mailed, audited (en, id)", async () => {
  range.state.answer = "range";
  const user = await userWithPassword(project, "reused@example.com", BREACHED);
  const en = await submitForm(t, project, "/auth/login", { email: "reused@example.com", password: BREACHED });
  assert.equal(en.status, 403);
  const html = await en.text();
  assert.match(html, /Your password is right, but it has appeared in a data breach/);
  assert.match(html, /We sent you an email with a link to choose a new one/);
  assert.doesNotMatch(html, /code=/, "no authorization code reaches the app");
  assert.equal(await sessionsOf(user), 0);
  assert.equal(await resetMails("reused@example.com"), 1);
  const [audit] = await t.db.sql`select target from astapa.audit_log
    where project_id = ${project.id} and action = 'sign_in.password_breached' order by id desc limit 1`;
  assert.equal(audit.target, "email:reused@example.com");

  const id = await submitForm(
    t,
    project,
    "/auth/login",
    { email: "reused@example.com", password: BREACHED },
    { ui_locales: "id" },
  );
  assert.equal(id.status, 403);
  assert.match(await id.text(), /Kata sandi Anda benar, tetapi pernah bocor/);
  assert.equal(await resetMails("reused@example.com"), 2);

  // A wrong password is the usual answer: the lookup is asked only once the password matched.
  const asked = range.asked.length;
  const wrong = await submitForm(t, project, "/auth/login", {
    email: "reused@example.com",
    password: "not it at all",
  });
  assert.equal(wrong.status, 422);
  await wrong.body?.cancel();
  assert.equal(range.asked.length, asked);
  assert.equal(await resetMails("reused@example.com"), 2);

  // The mailed link's new password (not breached) signs in.
  const fine = await userWithPassword(project, "careful@example.com", "a passphrase nobody leaked");
  const signedIn = await submitForm(t, project, "/auth/login", {
    email: "careful@example.com",
    password: "a passphrase nobody leaked",
  });
  assert.equal(signedIn.status, 303);
  assert.match(signedIn.headers.get("location") ?? "", /code=/);
  assert.equal(await sessionsOf(fine), 1);
});

Deno.test("breached passwords at sign-in — an unreachable lookup lets a right password in; a project may turn either check off", async () => {
  const lax = await seedProject(t.db.sql, { name: "Lax" });
  const user = await userWithPassword(lax, "old@example.com", BREACHED);
  range.state.answer = "503";
  const outage = await submitForm(t, lax, "/auth/login", { email: "old@example.com", password: BREACHED });
  assert.equal(outage.status, 303, "an outage elsewhere never stops sign-ins");
  assert.equal(await sessionsOf(user), 1);

  range.state.answer = "range";
  await asApp(
    t.db.sql,
    lax.id,
    (tx) =>
      tx`select api.update_project_settings(${lax.id}, '{"breached_password_sign_in": false, "breached_passwords": false}')`,
  );
  const asked = range.asked.length;
  const signedIn = await submitForm(t, lax, "/auth/login", { email: "old@example.com", password: BREACHED });
  assert.equal(signedIn.status, 303);
  assert.equal(await resetMails("old@example.com"), 0);
  const signedUp = await submitForm(t, lax, "/auth/signup", { email: "new@example.com", password: BREACHED });
  assert.ok(signedUp.status === 303 || signedUp.status === 200, String(signedUp.status));
  await signedUp.body?.cancel();
  assert.equal(await usersNamed("new@example.com"), 1);
  assert.equal(range.asked.length, asked, "neither asked the range server");

  for (const value of [1, "no", null]) {
    const result = asApp(
      t.db.sql,
      lax.id,
      (tx) =>
        tx`select api.update_project_settings(${lax.id}, ${tx.json({ breached_password_sign_in: value })})`,
    );
    if (value === null) await result; // null removes the setting: back to the default (on)
    else await assert.rejects(result, /breached_password_sign_in must be true or false/);
  }
  const refused = await submitForm(t, lax, "/auth/login", { email: "old@example.com", password: BREACHED });
  assert.equal(refused.status, 403, "back at the default, the check is on again");
  await refused.body?.cancel();
});
