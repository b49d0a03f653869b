/**
 * A local WhatsApp Cloud API: `POST /{version}/{phone-number-id}/messages` with a Bearer token, checked like
 * Meta does (token, number id, an authentication template whose body and copy-code button carry the same
 * code), answering Meta's success and error shapes. Delivered codes land in `inbox`; `failWith` makes the next
 * sends fail the way Meta reports an undeliverable message.
 */
import { type FakeServer, json, serveFake } from "./serve.ts";
import { randomSecret } from "@/lib/secrets.ts";

export type WhatsAppDelivery = { to: string; code: string; template: string; language: string };

export type FakeWhatsApp = FakeServer & {
  /** What to configure as WHATSAPP_API_URL (with the version, as Graph URLs have). */
  apiUrl: string;
  accessToken: string;
  phoneNumberId: string;
  inbox: WhatsAppDelivery[];
  /** Raw request bodies, for assertions on the exact shape sent. */
  requests: unknown[];
  /** When set, every send is refused with this Meta error (e.g. 131026, "Message undeliverable"). */
  failWith?: { code: number; message: string };
  /** When set, sends get no answer until the caller gives up (a provider timeout). */
  hang?: boolean;
};

type Component = {
  type: string;
  sub_type?: string;
  index?: string;
  parameters?: { type: string; text?: string }[];
};

export function startFakeWhatsApp(): FakeWhatsApp {
  const error = (status: number, code: number, message: string) =>
    json({ error: { message, type: "OAuthException", code, fbtrace_id: randomSecret("", 8) } }, status);
  const hung: (() => void)[] = [];
  const server = serveFake(async (req, url) => {
    const match = /^\/v\d+\.\d+\/(\d+)\/messages$/.exec(url.pathname);
    if (req.method !== "POST" || !match) return error(404, 100, "Unsupported request");
    if (req.headers.get("authorization") !== `Bearer ${fake.accessToken}`) {
      return error(401, 190, "Invalid OAuth access token.");
    }
    if (match[1] !== fake.phoneNumberId) return error(400, 100, "Invalid phone number id");
    const body = await req.json().catch(() => null);
    fake.requests.push(body);
    const template = body?.template;
    const components: Component[] = template?.components ?? [];
    const bodyCode = components.find((c) => c.type === "body")?.parameters?.[0]?.text;
    const button = components.find((c) => c.type === "button" && c.sub_type === "url" && c.index === "0");
    const buttonCode = button?.parameters?.[0]?.text;
    if (
      body?.messaging_product !== "whatsapp" || body?.type !== "template" ||
      !/^\d{8,15}$/.test(body?.to ?? "") ||
      typeof template?.name !== "string" || typeof template?.language?.code !== "string" || !bodyCode ||
      bodyCode !== buttonCode
    ) {
      return error(400, 132000, "Number of parameters does not match the expected number of params");
    }
    if (fake.failWith) return error(400, fake.failWith.code, fake.failWith.message);
    if (fake.hang) {
      // Released when the caller gives up, or when the fake closes (a shutdown waits for open requests).
      await new Promise<void>((resolve) => {
        hung.push(resolve);
        req.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return error(504, 2, "Service temporarily unavailable");
    }
    fake.inbox.push({
      to: `+${body.to}`,
      code: bodyCode,
      template: template.name,
      language: template.language.code,
    });
    return json({
      messaging_product: "whatsapp",
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id: `wamid.${randomSecret("", 24)}` }],
    });
  });
  const fake: FakeWhatsApp = {
    ...server,
    close: () => {
      for (const release of hung.splice(0)) release();
      return server.close();
    },
    apiUrl: `${server.origin}/v23.0`,
    accessToken: randomSecret("EAAG", 24),
    phoneNumberId: String(100000000000000 + Math.floor(Math.random() * 1e9)),
    inbox: [],
    requests: [],
  };
  return fake;
}
