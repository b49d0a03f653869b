/**
 * The provider adapters against their local fakes, which check the real request shapes: Meta's authentication
 * template (body and copy-code button carry the code), Twilio Verify's form parameters; refusals, a missing
 * provider and an unreachable one become failed outcomes, never exceptions.
 */
import assert from "node:assert/strict";
import { loadConfig } from "@/config.ts";
import { startFakeWhatsApp } from "@/tests/fakes/whatsapp.ts";
import { startFakeTwilio } from "@/tests/fakes/twilio.ts";
import { startFakeZenziva } from "@/tests/fakes/zenziva.ts";
import { availableChannels, sendCode } from "./index.ts";

const whatsapp = startFakeWhatsApp();
const twilio = startFakeTwilio();
const zenzivaFake = startFakeZenziva();
Deno.test.afterAll(async () => {
  await whatsapp.close();
  await twilio.close();
  await zenzivaFake.close();
});

const phoneConfig = (env: Record<string, string> = {}) =>
  loadConfig({
    WHATSAPP_ACCESS_TOKEN: whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: whatsapp.phoneNumberId,
    WHATSAPP_API_URL: whatsapp.apiUrl,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_VERIFY_SERVICE_SID: twilio.serviceSid,
    TWILIO_VERIFY_URL: twilio.origin,
    ...env,
  }).phone;
const message = { to: "+6281234567890", code: "402913", lang: "id" as const, appName: "Toko" };

Deno.test("WhatsApp Cloud — an authentication template with the code in body and copy-code button", async () => {
  const outcome = await sendCode(phoneConfig(), { ...message, channel: "whatsapp" });
  assert.equal(outcome.ok, true);
  assert.ok(
    outcome.ok && outcome.provider === "whatsapp_cloud" && outcome.providerMessageId?.startsWith("wamid."),
  );
  assert.deepEqual(whatsapp.inbox.at(-1), {
    to: "+6281234567890",
    code: "402913",
    template: "astapa_code",
    language: "id",
  });
  assert.deepEqual(whatsapp.requests.at(-1), {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: "6281234567890",
    type: "template",
    template: {
      name: "astapa_code",
      language: { code: "id" },
      components: [
        { type: "body", parameters: [{ type: "text", text: "402913" }] },
        { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "402913" }] },
      ],
    },
  });
});

Deno.test("WhatsApp Cloud — Meta's refusal and a wrong token are failed outcomes with the reason", async () => {
  whatsapp.failWith = { code: 131026, message: "Message undeliverable" };
  try {
    const outcome = await sendCode(phoneConfig(), { ...message, channel: "whatsapp" });
    assert.deepEqual(outcome, {
      ok: false,
      provider: "whatsapp_cloud",
      error: "HTTP 400: 131026 Message undeliverable",
    });
  } finally {
    whatsapp.failWith = undefined;
  }
  const wrong = await sendCode(phoneConfig({ WHATSAPP_ACCESS_TOKEN: "EAAGwrong" }), {
    ...message,
    channel: "whatsapp",
  });
  assert.equal(wrong.ok, false);
  assert.match(!wrong.ok ? wrong.error : "", /HTTP 401: 190/);
});

Deno.test("Twilio Verify — SMS with To, Channel, CustomCode and Locale, Basic auth", async () => {
  const outcome = await sendCode(phoneConfig(), { ...message, channel: "sms", lang: "en" });
  assert.ok(
    outcome.ok && outcome.provider === "twilio_verify" && outcome.providerMessageId?.startsWith("VE"),
  );
  assert.deepEqual(twilio.inbox.at(-1), {
    to: "+6281234567890",
    code: "402913",
    channel: "sms",
    locale: "en",
  });
  assert.deepEqual(Object.fromEntries(twilio.requests.at(-1)!), {
    To: "+6281234567890",
    Channel: "sms",
    CustomCode: "402913",
    Locale: "en",
  });
});

Deno.test("Twilio Verify — sends WhatsApp too when the Cloud API is not configured", async () => {
  const config = phoneConfig({ WHATSAPP_ACCESS_TOKEN: "" });
  assert.deepEqual(availableChannels(config), ["whatsapp", "sms"]);
  const outcome = await sendCode(config, { ...message, channel: "whatsapp" });
  assert.ok(outcome.ok && outcome.provider === "twilio_verify");
  assert.equal(twilio.inbox.at(-1)?.channel, "whatsapp");
});

Deno.test("Twilio Verify — a refusal is a failed outcome with Twilio's code", async () => {
  twilio.failWith = { status: 403, code: 60410, message: "Verification delivery attempt blocked" };
  try {
    const outcome = await sendCode(phoneConfig(), { ...message, channel: "sms" });
    assert.deepEqual(outcome, {
      ok: false,
      provider: "twilio_verify",
      error: "HTTP 403: 60410 Verification delivery attempt blocked",
    });
  } finally {
    twilio.failWith = undefined;
  }
});

Deno.test("sendCode — no provider for a channel, or an unreachable one, fails without throwing", async () => {
  const none = loadConfig({}).phone;
  assert.deepEqual(availableChannels(none), []);
  assert.deepEqual(await sendCode(none, { ...message, channel: "sms" }), {
    ok: false,
    provider: "none",
    error: "No provider sends by sms.",
  });
  // A port nothing listens on: the connection is refused.
  const closed = startFakeTwilio();
  await closed.close();
  const unreachable = await sendCode(phoneConfig({ TWILIO_VERIFY_URL: closed.origin }), {
    ...message,
    channel: "sms",
  });
  assert.equal(unreachable.ok, false);
  assert.equal(unreachable.provider, "twilio_verify");
});

const withZenziva = (env: Record<string, string> = {}) =>
  phoneConfig({
    ZENZIVA_USERKEY: zenzivaFake.userkey,
    ZENZIVA_PASSKEY: zenzivaFake.passkey,
    ZENZIVA_URL: zenzivaFake.origin,
    ...env,
  });

Deno.test("Zenziva — SMS goes by its OTP endpoint (userkey, passkey, to, kode_otp) before Twilio", async () => {
  const twilioBefore = twilio.inbox.length;
  const outcome = await sendCode(withZenziva(), { ...message, channel: "sms" });
  assert.ok(outcome.ok && outcome.provider === "zenziva");
  assert.deepEqual({ cost: outcome.ok && outcome.cost, currency: outcome.ok && outcome.currency }, {
    cost: 400,
    currency: "IDR",
  });
  assert.deepEqual(Object.fromEntries(zenzivaFake.requests.at(-1)!), {
    userkey: zenzivaFake.userkey,
    passkey: zenzivaFake.passkey,
    to: "6281234567890",
    kode_otp: "402913",
  });
  assert.deepEqual(zenzivaFake.inbox.at(-1), { to: "+6281234567890", code: "402913" });
  assert.equal(twilio.inbox.length, twilioBefore);
  // WhatsApp is not Zenziva's: it still goes by the Cloud API.
  const wa = await sendCode(withZenziva(), { ...message, channel: "whatsapp" });
  assert.ok(wa.ok && wa.provider === "whatsapp_cloud");
});

Deno.test("Zenziva — status 0 (a wrong passkey, a refusal) is a failed outcome with Zenziva's reason", async () => {
  const wrong = await sendCode(withZenziva({ ZENZIVA_PASSKEY: "wrong" }), { ...message, channel: "sms" });
  assert.deepEqual(wrong, {
    ok: false,
    provider: "zenziva",
    error: "HTTP 200: status 0 Userkey / Passkey Salah",
  });
  zenzivaFake.failWith = "Saldo tidak cukup";
  try {
    const poor = await sendCode(withZenziva(), { ...message, channel: "sms" });
    assert.deepEqual(poor, { ok: false, provider: "zenziva", error: "HTTP 200: status 0 Saldo tidak cukup" });
  } finally {
    zenzivaFake.failWith = undefined;
  }
});

Deno.test("sendCode — a provider that does not answer in time is a failed outcome, not a hang", async () => {
  whatsapp.hang = true;
  try {
    const outcome = await sendCode(phoneConfig(), { ...message, channel: "whatsapp" }, 200);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.provider, "whatsapp_cloud");
    assert.match(!outcome.ok ? outcome.error : "", /TimeoutError/);
  } finally {
    whatsapp.hang = false;
  }
});
