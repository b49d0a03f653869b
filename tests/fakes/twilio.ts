/**
 * A local Twilio Verify: `POST /v2/Services/{ServiceSid}/Verifications`, form-encoded, HTTP Basic with the
 * account SID and auth token, checked as Twilio does (E.164 `To`, `Channel` sms or whatsapp, `CustomCode`),
 * answering a verification resource (201) or Twilio's error shape. Codes land in `inbox`; `failWith` refuses.
 */
import { type FakeServer, json, serveFake } from "./serve.ts";
import { hex, randomSecret } from "@/lib/secrets.ts";

export type TwilioDelivery = { to: string; code: string; channel: string; locale: string | null };

export type FakeTwilio = FakeServer & {
  accountSid: string;
  authToken: string;
  serviceSid: string;
  inbox: TwilioDelivery[];
  /** Raw form parameters, for assertions on the exact request. */
  requests: URLSearchParams[];
  /** When set, every send is refused with this Twilio error (e.g. 60410, the number is blocked). */
  failWith?: { code: number; message: string; status: number };
};

const sid = (prefix: string) => `${prefix}${hex(crypto.getRandomValues(new Uint8Array(16)))}`;

export function startFakeTwilio(): FakeTwilio {
  const error = (status: number, code: number, message: string) =>
    json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, status);
  const server = serveFake(async (req, url) => {
    const match = /^\/v2\/Services\/([A-Za-z0-9]+)\/Verifications$/.exec(url.pathname);
    if (req.method !== "POST" || !match) return error(404, 20404, "The requested resource was not found");
    if (req.headers.get("authorization") !== `Basic ${btoa(`${fake.accountSid}:${fake.authToken}`)}`) {
      return error(401, 20003, "Authenticate");
    }
    if (match[1] !== fake.serviceSid) return error(404, 20404, "The requested resource was not found");
    const form = new URLSearchParams(await req.text());
    fake.requests.push(form);
    const to = form.get("To") ?? "";
    const channel = form.get("Channel") ?? "";
    const code = form.get("CustomCode") ?? "";
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return error(400, 60200, "Invalid parameter `To`");
    if (!["sms", "whatsapp", "call", "email"].includes(channel)) {
      return error(400, 60200, "Invalid parameter `Channel`");
    }
    if (!/^\d{4,10}$/.test(code)) return error(400, 60200, "Invalid parameter `CustomCode`");
    if (fake.failWith) return error(fake.failWith.status, fake.failWith.code, fake.failWith.message);
    fake.inbox.push({ to, code, channel, locale: form.get("Locale") });
    const verification = sid("VE");
    return json({
      sid: verification,
      service_sid: fake.serviceSid,
      account_sid: fake.accountSid,
      to,
      channel,
      status: "pending",
      valid: false,
      amount: null,
      payee: null,
      date_created: new Date().toISOString(),
      url: `https://verify.twilio.com/v2/Services/${fake.serviceSid}/Verifications/${verification}`,
    }, 201);
  });
  const fake: FakeTwilio = {
    ...server,
    accountSid: sid("AC"),
    authToken: randomSecret("", 16),
    serviceSid: sid("VA"),
    inbox: [],
    requests: [],
  };
  return fake;
}
