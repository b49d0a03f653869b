import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AuthForm, authorizeRequest, type AuthPageData, readAuthForm } from "@/lib/login/pages.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { requestQuery } from "@/lib/login/authorize_request.ts";
import { parsePhone } from "@/lib/phone/number.ts";
import { startAndSend } from "@/lib/phone/flow.ts";
import { phoneEnabled, phonePage, refusal } from "@/lib/phone/page.ts";
import { botCheckRefusal, useBotCheck } from "@/lib/login/bot_check.ts";
import { PhoneNumberForm, type PhonePageData } from "@/components/login/PhoneForms.tsx";
import { withGuest } from "@/lib/login/guest_hint.ts";

const NumberForm = AuthForm.extend({
  phone: z.string().max(100),
  channel: z.enum(["whatsapp", "sms"]).default("whatsapp"),
});

/** "Continue with phone": the number, then a code by WhatsApp (or SMS), then /auth/phone/code. */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const asked = await authorizeRequest(c, query);
    if (asked instanceof Response) return asked;
    // A guest's sign-up (docs/anonymous-users.md): a hint that names no guest goes back to the app now.
    const request = await withGuest(c, asked);
    if (request instanceof Response) return request;
    if (!phoneEnabled(request.project)) {
      return phonePage(c, request, query, "phoneTitle", { unavailable: true }, 404);
    }
    useBotCheck(c, request.project, "phone");
    return phonePage(c, request, query, "phoneTitle", {});
  },

  async POST(c) {
    const posted = await readAuthForm(c, NumberForm, "phoneTitle");
    if (!("again" in posted)) return posted;
    const { form, query } = posted;
    // Before a message is paid for: a hint that names no guest goes back to the app.
    const request = await withGuest(c, posted.request);
    if (request instanceof Response) return request;
    if (!phoneEnabled(request.project)) {
      return phonePage(c, request, query, "phoneTitle", { unavailable: true }, 404);
    }
    const again = (extra: Partial<PhonePageData>, status: number) =>
      phonePage(c, request, query, "phoneTitle", { phone: form.phone, ...extra }, status);
    // Bot protection before the number is read or a message sent (each one costs the project: SMS pumping).
    const bot = await botCheckRefusal(c, request.project, "phone");
    if (bot) return again({ error: bot.error }, bot.status);
    const phone = await parsePhone(form.phone);
    if ("problem" in phone) {
      return again({ phoneError: phone.problem === "invalid" ? "invalidPhone" : "notMobile" }, 422);
    }
    const lang = pickLang(c);
    const result = await startAndSend(c, request.project, phone, form.channel, lang);
    if (!result.sent) {
      const { phoneError, status } = refusal(result.reason);
      return again({ phoneError, wait: result.wait }, status);
    }
    const onward = new URLSearchParams(requestQuery(query));
    onward.set("lang", lang);
    if (result.fellBack) onward.set("sent", "fallback");
    return c.redirect(`/auth/phone/code?${onward}`, 303);
  },
};

export default function PhonePage({ data }: PageProps<AuthPageData>) {
  return <PhoneNumberForm data={data as PhonePageData} />;
}
