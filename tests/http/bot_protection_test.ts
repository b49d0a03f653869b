/**
 * Bot protection on the hosted login (lib/login/bot_check.ts) against a local Turnstile/hCaptcha siteverify
 * (tests/fakes/siteverify.ts): off by default (no widget, no call); on a listed form the widget, its script and a
 * CSP naming the provider (on that page only); a POST without a token, with a wrong one, or with one solved for
 * another form or site is refused before anything happens (no account, no password checked, no lockout count, no
 * mail), en and id, and counted; a good one goes through. Provider down: sign-up, forgot and email codes refuse
 * (503), and so do phone codes; sign-in goes on with a log line. The secret key shows in no page, log line or audit entry.
 */
import assert from "node:assert/strict";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { botProtectionApp } from "../helpers/bot_protection.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { listPhoneMessages } from "@/db/phone.ts";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const { t, fake, protectedProject, submit, page, turnstile, host: HOST } = await botProtectionApp({
  ASTAPA_METRICS_TOKEN: METRICS_TOKEN,
});
const PASSWORD = "a long passphrase for tests";

const usersNamed = async (email: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.users where email_lower = ${email}`)[0].n;
const auditOf = async (projectId: string) =>
  (await t.db.sql`select action, target from astapa.audit_log where project_id = ${projectId}
                  and action ~ '^(sign_in|password_reset|email_code)\.'`).map((r) =>
    `${r.action} ${r.target}`
  );
const botChecks = async (provider: string, verdict: string) => {
  const res = await t.app.request("/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const line = (await res.text()).split("\n").find((l) =>
    l.startsWith("astapa_bot_checks_total{") && l.includes(`provider="${provider}"`) &&
    l.includes(`verdict="${verdict}"`)
  );
  return line ? Number(line.split(" ").at(-1)) : 0;
};

Deno.test("bot protection — off by default: no widget, the usual CSP, no call to any provider", async () => {
  const project = await seedProject(t.db.sql, { name: "Plain" });
  const signup = await page(project, "/auth/signup");
  const html = await signup.text();
  assert.doesNotMatch(html, /cf-turnstile|h-captcha|challenges\.cloudflare\.com/);
  assert.doesNotMatch(signup.headers.get("content-security-policy")!, /cloudflare|hcaptcha|frame-src/);
  const before = fake.requests.length;
  const res = await submit(project, "/auth/signup", { email: "plain@example.com", password: PASSWORD });
  assert.equal(res.status, 303);
  assert.equal(await usersNamed("plain@example.com"), 1);
  assert.equal(fake.requests.length, before);
});

Deno.test("bot protection — sign-up with Turnstile: the widget and CSP on that page only; no, wrong or misplaced tokens refused; a good one passes", async () => {
  const project = await protectedProject("turnstile", ["sign_up"]);
  const signup = await page(project, "/auth/signup");
  const html = await signup.text();
  assert.match(html, /<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsitekey" data-action="sign_up"/);
  assert.match(
    html,
    /<script src="https:\/\/challenges\.cloudflare\.com\/turnstile\/v0\/api\.js" async defer>/,
  );
  assert.match(html, /<noscript>.*needs JavaScript/s);
  const csp = signup.headers.get("content-security-policy")!;
  assert.match(csp, /script-src 'self' https:\/\/challenges\.cloudflare\.com;/);
  assert.match(csp, /frame-src https:\/\/challenges\.cloudflare\.com;/);
  assert.match(csp, /frame-ancestors 'none'/);
  // Sign-in is not listed: neither widget nor widened policy there.
  const login = await page(project, "/auth/login");
  assert.doesNotMatch(await login.text(), /cf-turnstile/);
  assert.doesNotMatch(login.headers.get("content-security-policy")!, /cloudflare/);

  const email = "robot@example.com";
  const missing = await submit(project, "/auth/signup", { email, password: PASSWORD });
  assert.equal(missing.status, 400);
  const missingHtml = await missing.text();
  assert.match(missingHtml, /Please complete the check/);
  assert.match(missingHtml, /class="cf-turnstile"/, "the page again, with the widget");
  assert.match(missing.headers.get("content-security-policy")!, /challenges\.cloudflare\.com/);
  const missingId = await submit(project, "/auth/signup", { email, password: PASSWORD }, "id");
  assert.match(await missingId.text(), /Silakan selesaikan pemeriksaan/);
  const wrong = await submit(project, "/auth/signup", {
    email,
    password: PASSWORD,
    "cf-turnstile-response": "x",
  });
  assert.equal(wrong.status, 403);
  assert.match(await wrong.text(), /Please complete the check: it did not pass/);
  for (const token of [turnstile("sign_in"), turnstile("sign_up", "evil.example")]) {
    const misplaced = await submit(project, "/auth/signup", {
      email,
      password: PASSWORD,
      "cf-turnstile-response": token,
    });
    assert.equal(misplaced.status, 403, "a token for another form or site does not pass");
    await misplaced.body?.cancel();
  }
  assert.equal(await usersNamed(email), 0);

  const token = turnstile("sign_up");
  const good = await submit(project, "/auth/signup", {
    email,
    password: PASSWORD,
    "cf-turnstile-response": token,
  });
  assert.equal(good.status, 303);
  assert.equal(await usersNamed(email), 1);
  const asked = fake.requests.at(-1)!;
  assert.equal(asked.provider, "turnstile");
  assert.deepEqual(
    [asked.form.get("secret"), asked.form.get("response"), asked.form.get("remoteip")],
    [fake.secrets.turnstile, token, "203.0.113.7"],
  );
  // Single use: the same token again is refused.
  const again = await submit(project, "/auth/signup", {
    email: "again@example.com",
    password: PASSWORD,
    "cf-turnstile-response": token,
  });
  assert.equal(again.status, 403);
  await again.body?.cancel();
  assert.ok(await botChecks("turnstile", "missing") >= 2);
  assert.ok(await botChecks("turnstile", "failed") >= 3);
  assert.ok(await botChecks("turnstile", "passed") >= 1);
});

Deno.test("bot protection — sign-in: the password is never checked without a passed check (no lockout count)", async () => {
  const project = await protectedProject("turnstile", ["sign_in"]);
  const email = "member@example.com";
  const user = await seedUser(t.db.sql, project.id, email, { verified: true });
  await t.db.sql`update astapa.users set password_hash = ${await hashPassword(PASSWORD)} where id = ${user}`;
  assert.match(await (await page(project, "/auth/login")).text(), /data-action="sign_in"/);
  for (let i = 0; i < 12; i++) {
    const res = await submit(project, "/auth/login", { email, password: "wrong guess" });
    assert.equal(res.status, 400);
    await res.body?.cancel();
  }
  const right = await submit(project, "/auth/login", {
    email,
    password: PASSWORD,
    "cf-turnstile-response": "nope",
  });
  assert.equal(right.status, 403, "even the right password does not get past a failed check");
  await right.body?.cancel();
  assert.deepEqual(await auditOf(project.id), [], "no attempt counted, no account looked at");
  const signedIn = await submit(project, "/auth/login", {
    email,
    password: PASSWORD,
    "cf-turnstile-response": turnstile("sign_in"),
  });
  assert.equal(signedIn.status, 303);
  assert.match(signedIn.headers.get("location")!, /code=/);
});

Deno.test("bot protection — provider down: sign-in goes on (logged), sign-up refuses with 503 and creates nothing", async () => {
  const project = await protectedProject("turnstile", ["sign_in", "sign_up"]);
  const email = "outage@example.com";
  const user = await seedUser(t.db.sql, project.id, email, { verified: true });
  await t.db.sql`update astapa.users set password_hash = ${await hashPassword(PASSWORD)} where id = ${user}`;
  const down = () =>
    fake.answerOnce.set("/turnstile/v0/siteverify", new Response("bad gateway", { status: 502 }));

  down();
  const signIn = await submit(project, "/auth/login", {
    email,
    password: PASSWORD,
    "cf-turnstile-response": "t1",
  });
  assert.equal(signIn.status, 303, "fail open at sign-in: the password and its lockout still stand");
  assert.ok(t.logs.some((l) => l.msg === "bot_check_fail_open" && l.form === "sign_in"));
  down();
  const wrongPassword = await submit(project, "/auth/login", {
    email,
    password: "nope",
    "cf-turnstile-response": "t2",
  });
  assert.equal(wrongPassword.status, 422, "…and a wrong password is still wrong");
  await wrongPassword.body?.cancel();

  down();
  const signUp = await submit(project, "/auth/signup", {
    email: "new-in-outage@example.com",
    password: PASSWORD,
    "cf-turnstile-response": "t3",
  });
  assert.equal(signUp.status, 503);
  assert.match(await signUp.text(), /cannot be completed right now/);
  assert.equal(await usersNamed("new-in-outage@example.com"), 0);
  assert.ok(await botChecks("turnstile", "unavailable") >= 3);
});

Deno.test("bot protection — hCaptcha on forgot and email codes: its widget, CSP with styles, sitekey sent, nothing mailed without it", async () => {
  const project = await protectedProject("hcaptcha", ["forgot", "email_code"], { email_codes: true });
  const forgot = await page(project, "/auth/forgot");
  const html = await forgot.text();
  assert.match(html, /<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"/);
  assert.match(html, /<script src="https:\/\/js\.hcaptcha\.com\/1\/api\.js\?hl=en" async defer>/);
  const csp = forgot.headers.get("content-security-policy")!;
  assert.match(csp, /script-src 'self' https:\/\/hcaptcha\.com https:\/\/\*\.hcaptcha\.com;/);
  assert.match(csp, /style-src 'self' https:\/\/hcaptcha\.com https:\/\/\*\.hcaptcha\.com;/);
  assert.doesNotMatch(
    (await page(project, "/auth/signup")).headers.get("content-security-policy")!,
    /hcaptcha/,
  );

  const email = "forgetful@example.com";
  await seedUser(t.db.sql, project.id, email, { verified: true });
  const refused = await submit(project, "/auth/forgot", { email });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /Please complete the check/);
  const code = await submit(project, "/auth/email-code", { action: "send", email });
  assert.equal(code.status, 400);
  assert.match(await code.text(), /class="h-captcha"/);
  assert.deepEqual(await auditOf(project.id), [], "nothing counted, nothing mailed");

  const token = fake.solve({ provider: "hcaptcha", hostname: HOST, action: "" });
  const sent = await submit(project, "/auth/forgot", { email, "h-captcha-response": token });
  assert.equal(sent.status, 200);
  assert.match(await sent.text(), /role="status"/);
  assert.equal(fake.requests.at(-1)!.form.get("sitekey"), fake.hcaptchaSiteKey);
  const codeToken = fake.solve({ provider: "hcaptcha", hostname: HOST, action: "" });
  const mailed = await submit(project, "/auth/email-code", {
    action: "send",
    email,
    "h-captcha-response": codeToken,
  });
  assert.equal(mailed.status, 200);
  assert.match(await mailed.text(), /name="code"/);
  assert.deepEqual((await auditOf(project.id)).map((a) => a.split(" ")[0]).sort(), [
    "email_code.requested",
    "password_reset.requested",
  ]);
});

Deno.test("bot protection — a password-free sign-in page sends a code: its widget is the email_code form's", async () => {
  const project = await protectedProject("turnstile", ["email_code", "forgot"], {
    passwords: false,
    email_codes: true,
  });
  // Its "forgot" page is closed (no passwords): no widget there, nor the provider in its policy.
  const forgot = await page(project, "/auth/forgot");
  assert.equal(forgot.status, 403);
  assert.doesNotMatch(await forgot.text(), /cf-turnstile/);
  assert.doesNotMatch(forgot.headers.get("content-security-policy")!, /cloudflare/);
  const login = await page(project, "/auth/login");
  assert.match(
    await login.text(),
    /<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsitekey" data-action="email_code"/,
  );
  assert.match(login.headers.get("content-security-policy")!, /challenges\.cloudflare\.com/);
  const email = "codeless@example.com";
  const refused = await submit(project, "/auth/login", { action: "send", email });
  assert.equal(refused.status, 400, "the form posts to /auth/email-code, which checks it");
  await refused.body?.cancel();
  const sent = await submit(project, "/auth/login", {
    action: "send",
    email,
    "cf-turnstile-response": turnstile("email_code"),
  });
  assert.equal(sent.status, 200);
  assert.match(await sent.text(), /name="code"/);
});

Deno.test("bot protection — phone codes: no message (WhatsApp or SMS) is sent without a passed check; provider down refuses", async () => {
  const project = await protectedProject("turnstile", ["phone"], { phone: { enabled: true } });
  const messages = async () => await listPhoneMessages(t.db.sql, project.id);
  const number = /<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsitekey" data-action="phone"/;
  const numberPage = await page(project, "/auth/phone");
  assert.match(await numberPage.text(), number);
  assert.match(numberPage.headers.get("content-security-policy")!, /challenges\.cloudflare\.com/);

  const phone = { phone: "0812 5555 0101", channel: "whatsapp" };
  const missing = await submit(project, "/auth/phone", phone);
  assert.equal(missing.status, 400);
  assert.match(await missing.text(), /Please complete the check/);
  const elsewhere = await submit(project, "/auth/phone", {
    ...phone,
    "cf-turnstile-response": turnstile("sign_in"),
  });
  assert.equal(elsewhere.status, 403, "a token solved on the sign-in form does not send a code");
  const indonesian = await submit(project, "/auth/phone", phone, "id");
  assert.match(await indonesian.text(), /Silakan selesaikan pemeriksaan/);
  assert.equal((await messages()).length, 0, "nothing sent, not even to the sandbox log");

  const sent = await submit(project, "/auth/phone", {
    ...phone,
    "cf-turnstile-response": turnstile("phone"),
  });
  assert.equal(sent.status, 303);
  assert.equal((await messages()).length, 1);
  // The code page's "send by SMS instead" sends another message: the same check.
  const pending = sent.headers.getSetCookie().map((c) => c.split(";")[0])
    .find((c) => c.startsWith(`astapa_phone_${project.id}=`))!;
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const smsInstead = async (fields: Record<string, string>) => {
    const codePage = await t.app.request(`/auth/phone/code?${query}`, { headers: { cookie: pending } });
    const html = await codePage.text();
    assert.match(html, number);
    const csrfCookie = (codePage.headers.get("set-cookie") ?? "").split(";")[0];
    return await t.app.request("/auth/phone/code?lang=en", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${pending}; ${csrfCookie}` },
      body: new URLSearchParams({ request: query.toString(), csrf: csrfOf(html), action: "sms", ...fields }),
    });
  };
  const refused = await smsInstead({});
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /Please complete the check/);
  assert.equal((await messages()).length, 1);
  const bySms = await smsInstead({ "cf-turnstile-response": turnstile("phone") });
  assert.equal(bySms.status, 200);
  await bySms.body?.cancel();
  assert.deepEqual((await messages()).map((m) => m.channel).sort(), ["sms", "whatsapp"]);

  // Each message costs the project: a provider that cannot be reached refuses (fail closed), like sign-up.
  fake.answerOnce.set("/turnstile/v0/siteverify", new Response("bad gateway", { status: 502 }));
  const outage = await submit(project, "/auth/phone", {
    phone: "0812 5555 0102",
    channel: "whatsapp",
    "cf-turnstile-response": turnstile("phone"),
  });
  assert.equal(outage.status, 503);
  assert.match(await outage.text(), /cannot be completed right now/);
  assert.equal((await messages()).length, 2);
});

Deno.test("bot protection — the secret key is in no page, log line or audit entry", async () => {
  const pages = [];
  for (const provider of ["turnstile", "hcaptcha"] as const) {
    const project = await protectedProject(provider, ["sign_up", "sign_in", "forgot"]);
    for (const path of ["/auth/signup", "/auth/login", "/auth/forgot"]) {
      pages.push(await (await page(project, path)).text());
    }
  }
  const seen = JSON.stringify([pages, t.logs, await t.db.sql`select details from astapa.audit_log`]);
  for (const secret of Object.values(fake.secrets)) assert.ok(!seen.includes(secret), "the secret leaked");
  // Nor any token a person solved (the short made-up ones would match any text).
  const solved = fake.requests.map(({ form }) => form.get("response")!).filter((token) => token.length >= 32);
  assert.ok(solved.length >= 3);
  for (const token of solved) assert.ok(!JSON.stringify(t.logs).includes(token), "a token was logged");
});

Deno.test("bot protection — the waitlist form is the sign-up form's: widget shown, no or a wrong token refused and nothing stored, a good one joins", async () => {
  const project = await protectedProject("turnstile", ["sign_up"], { sign_up: { mode: "waitlist" } });
  const shown = await (await page(project, "/auth/signup")).text();
  assert.match(shown, /Join the waitlist/);
  assert.match(shown, /<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsitekey" data-action="sign_up"/);
  const entries = async () =>
    (await t.db.sql`select count(*)::int as n from astapa.waitlist_entries where project_id = ${project.id}`)[
      0
    ].n;
  const email = "antre@example.com";
  const missing = await submit(project, "/auth/signup", { email });
  assert.equal(missing.status, 400);
  assert.match(await missing.text(), /Please complete the check/);
  const wrong = await submit(project, "/auth/signup", { email, "cf-turnstile-response": "x" });
  assert.equal(wrong.status, 403);
  await wrong.body?.cancel();
  const elsewhere = await submit(project, "/auth/signup", {
    email,
    "cf-turnstile-response": turnstile("sign_in"),
  });
  assert.equal(elsewhere.status, 403, "a token for another form does not pass");
  await elsewhere.body?.cancel();
  assert.equal(await entries(), 0);
  const good = await submit(project, "/auth/signup", {
    email,
    "cf-turnstile-response": turnstile("sign_up"),
  });
  assert.equal(good.status, 200);
  assert.match(await good.text(), /You're on the list/);
  assert.equal(await entries(), 1);
});
