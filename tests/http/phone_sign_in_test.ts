/**
 * Phone sign-in through the handlers (issue 27, Bad input and attacks): sandbox codes go to the message log and
 * nowhere else; forms without CSRF or from another origin change nothing; a project without phone sign-in
 * says so; oversized input is a 400; a pending code's cookie does not work for another project; providers that
 * all fail give a readable page without the code; repeated sends to one number are limited; a GET changes
 * nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject } from "../helpers/identity.ts";
import { submitForm } from "../helpers/login.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { listPhoneMessages } from "@/db/phone.ts";
import { startFakeWhatsApp } from "../fakes/whatsapp.ts";
import { startFakeTwilio } from "../fakes/twilio.ts";

const whatsapp = startFakeWhatsApp();
const twilio = startFakeTwilio();
const t = await testApp({
  env: {
    WHATSAPP_ACCESS_TOKEN: whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: whatsapp.phoneNumberId,
    WHATSAPP_API_URL: whatsapp.apiUrl,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_VERIFY_SERVICE_SID: twilio.serviceSid,
    TWILIO_VERIFY_URL: twilio.origin,
    // The hanging-WhatsApp test waits this out; a loopback fake's answer takes milliseconds.
    PHONE_SEND_TIMEOUT_MS: "2000",
  },
});
Deno.test.afterAll(async () => {
  await t.close();
  await whatsapp.close();
  await twilio.close();
});
const on = { phone: { enabled: true } };
const sandbox = await seedProject(t.db.sql, { name: "Toko Uji", settings: on });
const live = await seedProject(t.db.sql, { name: "Toko Hidup", settings: on });
await t.db.sql`update astapa.projects set mode = 'production' where id = ${live.id}`;
const off = await seedProject(t.db.sql, { name: "Toko Tutup" });

const query = (p: SeededProject) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri });
const pendingCodes = async () =>
  (await t.db.sql`select count(*)::int as n from astapa.phone_codes`)[0].n as number;
const pendingCookie = (res: Response, p: SeededProject) =>
  res.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith(`astapa_phone_${p.id}=`));
const delivered = () => whatsapp.inbox.length + twilio.inbox.length;

/** Posts the code page's form with the pending cookie (and a fresh CSRF pair from the page). */
async function postCode(p: SeededProject, cookie: string, fields: Record<string, string>) {
  const page = await t.app.request(`/auth/phone/code?${query(p)}`, { headers: { cookie } });
  const csrfCookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  return await t.app.request(`/auth/phone/code?lang=en`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${cookie}; ${csrfCookie}` },
    body: new URLSearchParams({ request: query(p).toString(), csrf, ...fields }),
  });
}

Deno.test("phone — a sandbox project's code goes to its message log, not to any provider, and signs in", async () => {
  const before = delivered();
  const sent = await submitForm(t, sandbox, "/auth/phone", { phone: "0812 7777 0001", channel: "whatsapp" });
  assert.equal(sent.status, 303);
  assert.match(sent.headers.get("location")!, /^\/auth\/phone\/code\?/);
  assert.equal(delivered(), before);
  const [logged] = await listPhoneMessages(t.db.sql, sandbox.id);
  assert.equal(logged.status, "sandbox");
  assert.equal(logged.phone_number, "+6281277770001");
  const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
  const cookie = pendingCookie(sent, sandbox)!;
  const signedIn = await postCode(sandbox, cookie, { code });
  assert.equal(signedIn.status, 303);
  assert.match(signedIn.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
  // The code is spent: posting it again is refused.
  const again = await postCode(sandbox, cookie, { code });
  assert.equal(again.status, 400);
  assert.match(await again.text(), /expired or was used/);
});

Deno.test("phone — without a valid CSRF token, or from another origin, nothing is stored or sent", async () => {
  const before = [await pendingCodes(), delivered()];
  const noCsrf = await t.app.request("/auth/phone?lang=en", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      request: query(live).toString(),
      csrf: "x".repeat(43),
      phone: "081277770002",
    }),
  });
  assert.equal(noCsrf.status, 403);
  await noCsrf.body?.cancel();
  const page = await t.app.request(`/auth/phone?${query(live)}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  const foreign = await t.app.request("/auth/phone?lang=en", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: "https://evil.example" },
    body: new URLSearchParams({ request: query(live).toString(), csrf, phone: "081277770002" }),
  });
  assert.equal(foreign.status, 403);
  await foreign.body?.cancel();
  assert.deepEqual([await pendingCodes(), delivered()], before);
});

Deno.test("phone — a project without phone sign-in answers a readable page in both languages", async () => {
  for (
    const [lang, text] of [["en", /does not offer sign-in by phone/], [
      "id",
      /tidak menyediakan masuk/,
    ]] as const
  ) {
    const res = await t.app.request(`/auth/phone?${query(off)}&lang=${lang}`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), text);
  }
  const login = await t.app.request(`/auth/login?${query(off)}`);
  assert.doesNotMatch(await login.text(), /Continue with phone/);
  const offered = await t.app.request(`/auth/login?${query(live)}`);
  assert.match(await offered.text(), /Continue with phone/);
});

Deno.test("phone — oversized and malformed input is a 400 or 422, never a 5xx", async () => {
  const huge = await submitForm(t, live, "/auth/phone", { phone: "8".repeat(100_000) });
  assert.equal(huge.status, 400);
  await huge.body?.cancel();
  const letters = await submitForm(t, live, "/auth/phone", { phone: "0812<script>" });
  assert.equal(letters.status, 422);
  assert.match(await letters.text(), /Enter a valid phone number/);
  const channel = await submitForm(t, live, "/auth/phone", { phone: "081277770003", channel: "pigeon" });
  assert.equal(channel.status, 400);
  await channel.body?.cancel();
});

Deno.test("phone — a pending code's cookie does not carry over to another project", async () => {
  const sent = await submitForm(t, sandbox, "/auth/phone", { phone: "0812 7777 0004" });
  const cookie = pendingCookie(sent, sandbox)!;
  const [logged] = await listPhoneMessages(t.db.sql, sandbox.id);
  const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
  // The same token, presented to the other project under its cookie name.
  const moved = cookie.replace(`astapa_phone_${sandbox.id}`, `astapa_phone_${live.id}`);
  const res = await postCode(live, moved, { code });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /expired or was used/);
});

Deno.test("phone — every provider failing gives a readable page, never the code, and the log says why", async () => {
  whatsapp.failWith = { code: 131026, message: "Message undeliverable" };
  twilio.failWith = { status: 503, code: 20503, message: "Service unavailable" };
  try {
    const res = await submitForm(t, live, "/auth/phone", { phone: "0812 7777 0005" });
    assert.equal(res.status, 422);
    const html = await res.text();
    assert.match(html, /could not send a code right now/);
    const log = (await listPhoneMessages(t.db.sql, live.id)).slice(0, 2);
    assert.deepEqual(log.map((m) => [m.provider, m.channel, m.status]), [
      ["twilio_verify", "sms", "failed"],
      ["whatsapp_cloud", "whatsapp", "failed"],
    ]);
    const codes = twilio.requests.slice(-1).map((r) => r.get("CustomCode")!);
    assert.ok(codes.every((code) => !html.includes(code)));
  } finally {
    whatsapp.failWith = undefined;
    twilio.failWith = undefined;
  }
});

Deno.test("phone — WhatsApp that never answers: after its timeout the code goes by SMS, the page says so, the log says why", async () => {
  whatsapp.hang = true;
  try {
    // The adapter gives up after PHONE_SEND_TIMEOUT_MS (2 s here): this request waits for that abort, then SMS.
    const res = await submitForm(t, live, "/auth/phone", { phone: "0812 7777 0015" });
    assert.equal(res.status, 303, await res.clone().text());
    const location = res.headers.get("location")!;
    assert.match(location, /^\/auth\/phone\/code\?.*sent=fallback/);
    const page = await t.app.request(location, { headers: { cookie: pendingCookie(res, live)! } });
    const html = await page.text();
    assert.equal(page.status, 200, html);
    assert.match(html, /WhatsApp could not deliver it, so we sent the code by SMS/);
    const sms = twilio.inbox.findLast((d) => d.to === "+6281277770015");
    assert.ok(sms, "the Twilio fake received the code by SMS");
    assert.equal(sms.channel, "sms");
    assert.ok(!html.includes(sms.code), "the page never shows the code");
    const log = (await listPhoneMessages(t.db.sql, live.id)).filter((m) =>
      m.phone_number === "+6281277770015"
    );
    assert.deepEqual(log.map((m) => [m.provider, m.channel, m.status]), [
      ["twilio_verify", "sms", "sent"],
      ["whatsapp_cloud", "whatsapp", "failed"],
    ]);
    assert.match(log[1].error ?? "", /TimeoutError/);
    assert.ok(log[0].provider_message_id, "the provider's id of the sent message is logged");
  } finally {
    whatsapp.hang = false;
  }
});

Deno.test("phone — a sixth code to one number within the hour waits, with a readable message", async () => {
  const statuses = [];
  for (let i = 0; i < 6; i++) {
    const res = await submitForm(t, live, "/auth/phone", { phone: "0812 7777 0006" }, {}, `&i=${i}`);
    statuses.push(res.status);
    if (i === 5) assert.match(await res.text(), /Too many codes were sent\. Try again in/);
    else await res.body?.cancel();
  }
  assert.deepEqual(statuses, [303, 303, 303, 303, 303, 429]);
});

Deno.test("phone — GET of the code page changes nothing (no code sent, no attempt used)", async () => {
  const before = [await pendingCodes(), delivered()];
  const res = await t.app.request(`/auth/phone/code?${query(live)}`);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /expired or was used/);
  assert.deepEqual([await pendingCodes(), delivered()], before);
});

Deno.test("phone — a phone-only user under a required second factor is sent to set up an app (no email needed)", async () => {
  const strict = await seedProject(t.db.sql, {
    name: "Toko Ketat",
    settings: { phone: { enabled: true }, mfa: { policy: "required" } },
  });
  const sent = await submitForm(t, strict, "/auth/phone", { phone: "0812 7777 0010" });
  const [logged] = await listPhoneMessages(t.db.sql, strict.id);
  const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
  const res = await postCode(strict, pendingCookie(sent, strict)!, { code });
  assert.equal(res.status, 303);
  assert.match(res.headers.get("location")!, /^\/auth\/mfa\?/);
  const challenge = res.headers.getSetCookie().map((c) => c.split(";")[0])
    .find((c) => c.startsWith(`astapa_mfa_${strict.id}=`))!;
  const enrol = await t.app.request(res.headers.get("location")!, { headers: { cookie: challenge } });
  assert.equal(enrol.status, 200);
  assert.match(await enrol.text(), /Set up two-step verification/);
});

Deno.test("phone — signed in by a phone code, the second step is never that phone again (one device proven once)", async () => {
  const strict = await seedProject(t.db.sql, {
    name: "Toko Dua Langkah",
    settings: { phone: { enabled: true }, mfa: { policy: "required", phone: true } },
  });
  const sent = await submitForm(t, strict, "/auth/phone", { phone: "0812 7777 0020" });
  const [logged] = await listPhoneMessages(t.db.sql, strict.id);
  const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
  const res = await postCode(strict, pendingCookie(sent, strict)!, { code });
  assert.equal(res.status, 303);
  assert.match(res.headers.get("location")!, /^\/auth\/mfa\?/);
  const challenge = res.headers.getSetCookie().map((c) => c.split(";")[0])
    .find((c) => c.startsWith(`astapa_mfa_${strict.id}=`))!;
  const page = await t.app.request(res.headers.get("location")!, { headers: { cookie: challenge } });
  assert.equal(page.status, 200);
  const html = await page.text();
  // The verified number that just signed them in is not offered as the second step: an app is set up instead.
  assert.match(html, /Set up two-step verification/);
  assert.doesNotMatch(html, /Send code by WhatsApp|get a code on your phone/);
  const messages = (await listPhoneMessages(t.db.sql, strict.id)).length;
  const asked = await t.app.request(`/auth/mfa?${query(strict)}&lang=en`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: challenge, origin: t.origin },
    body: new URLSearchParams({ action: "phone_send", channel: "whatsapp" }),
  });
  assert.ok(asked.status < 500, `never a 5xx: ${asked.status}`);
  assert.equal(
    (await listPhoneMessages(t.db.sql, strict.id)).length,
    messages,
    "no code is sent to that phone",
  );
});
