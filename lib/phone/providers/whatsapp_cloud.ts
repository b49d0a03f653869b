/**
 * Meta's WhatsApp Cloud API: an authentication template message (`POST /{phone-number-id}/messages`) whose
 * body parameter and copy-code button (a URL button, index 0) both carry the code, as Meta's authentication
 * templates require. The template is approved in Meta's WhatsApp Manager under WHATSAPP_TEMPLATE in English
 * (`en_US`) and Indonesian (`id`).
 */
import { z } from "zod";
import { type CodeMessage, type CodeSender, type SendOutcome, shortError } from "./types.ts";

export type WhatsAppCloudConfig = {
  accessToken: string;
  phoneNumberId: string;
  template: string;
  apiUrl: string;
};

const Accepted = z.object({ messages: z.array(z.object({ id: z.string() })).min(1) });
const Refused = z.object({ error: z.object({ message: z.string(), code: z.number().optional() }) });

/** The request body Meta documents for an authentication template with a copy-code button. */
export function templateMessage(template: string, message: CodeMessage) {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    // Cloud API takes the number with its country code and without the plus.
    to: message.to.replace(/^\+/, ""),
    type: "template",
    template: {
      name: template,
      language: { code: message.lang === "id" ? "id" : "en_US" },
      components: [
        { type: "body", parameters: [{ type: "text", text: message.code }] },
        { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: message.code }] },
      ],
    },
  };
}

export function whatsAppCloud(config: WhatsAppCloudConfig): CodeSender {
  return {
    provider: "whatsapp_cloud",
    channels: ["whatsapp"],
    async send(message, signal): Promise<SendOutcome> {
      const res = await fetch(`${config.apiUrl}/${encodeURIComponent(config.phoneNumberId)}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${config.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify(templateMessage(config.template, message)),
        signal,
      });
      const body = await res.json().catch(() => null);
      const accepted = Accepted.safeParse(body);
      if (res.ok && accepted.success) {
        return { ok: true, provider: "whatsapp_cloud", providerMessageId: accepted.data.messages[0].id };
      }
      const refused = Refused.safeParse(body);
      const detail = refused.success
        ? `${refused.data.error.code ?? ""} ${refused.data.error.message}`
        : "unexpected answer";
      return { ok: false, provider: "whatsapp_cloud", error: shortError(res.status, detail) };
    },
  };
}
