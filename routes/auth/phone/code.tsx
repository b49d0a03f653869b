import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import {
  AuthForm,
  authorizeRequest,
  type AuthPageData,
  readAuthForm,
  STALE_FORM,
} from "@/lib/login/pages.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { type AuthorizeRequest, requestQuery } from "@/lib/login/authorize_request.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { sha256 } from "@/lib/secrets.ts";
import { orSignUpRefusal } from "@/lib/login/sign_up_refusal.tsx";
import { checkPhoneCode, pendingPhoneCode } from "@/db/phone.ts";
import { maskPhone } from "@/lib/phone/number.ts";
import { codeHash, readPendingToken, resendBySms, writePendingToken } from "@/lib/phone/flow.ts";
import { phoneEnabled, phonePage, refusal } from "@/lib/phone/page.ts";
import { botCheckRefusal, useBotCheck } from "@/lib/login/bot_check.ts";
import { writeClaimNotice } from "@/lib/phone/claimed.ts";
import { ConsentForm } from "@/components/login/ConsentForm.tsx";
import { PhoneCodeForm, type PhonePageData } from "@/components/login/PhoneForms.tsx";
import { withGuest } from "@/lib/login/guest_hint.ts";
import { newHeldToken, toConsentStep } from "@/lib/login/held_sign_up.ts";

const CodeForm = AuthForm.extend({
  action: z.enum(["verify", "sms"]).default("verify"),
  code: z.string().max(20).default(""),
});

/** The pending code this browser holds, for the page's "we sent it to …" line. */
async function pending(c: Ctx, request: AuthorizeRequest) {
  const token = readPendingToken(c, request.project.id);
  const found = token
    ? await pendingPhoneCode(c.var.deps.sql, request.project.id, await sha256(token))
    : null;
  return { token, found };
}

/** The code page as a reload shows it (`extra`: what to say): the number the pending code went to, or why none. */
async function codePage(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  extra: Partial<PhonePageData> = {},
  status = 200,
) {
  if (!phoneEnabled(request.project)) {
    return phonePage(c, request, query, "phoneTitle", { unavailable: true, ...extra }, 404);
  }
  const { found } = await pending(c, request);
  useBotCheck(c, request.project, "phone"); // the page's "send by SMS instead" sends another message
  if (!found) return phonePage(c, request, query, "phoneCodeTitle", { phoneError: "expired", ...extra }, 400);
  return phonePage(c, request, query, "phoneCodeTitle", {
    masked: await maskPhone(found.phone_number),
    channel: found.channel,
    fellBack: query.get("sent") === "fallback",
    ...extra,
  }, status);
}

/** The code sent to the phone: right → signed in (a second factor first when owed); SMS on request. */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    return await codePage(c, request, query);
  },

  async POST(c) {
    const posted = await readAuthForm(
      c,
      CodeForm,
      "phoneCodeTitle",
      (request, query) => codePage(c, request, query, { error: STALE_FORM.error }, STALE_FORM.status),
    );
    if (!("again" in posted)) return posted;
    const { form, query } = posted;
    // A guest's sign-up (docs/anonymous-users.md): the account a code makes is the guest's own row.
    const request = await withGuest(c, posted.request);
    if (request instanceof Response) return request;
    if (!phoneEnabled(request.project)) {
      return phonePage(c, request, query, "phoneTitle", { unavailable: true }, 404);
    }
    const { token, found } = await pending(c, request);
    const shown = found ? { masked: await maskPhone(found.phone_number), channel: found.channel } : {};
    const show = (extra: Partial<PhonePageData>, status: number) =>
      phonePage(c, request, query, "phoneCodeTitle", { ...shown, ...extra }, status);
    if (form.action === "verify") useBotCheck(c, request.project, "phone"); // a wrong code's page offers SMS again
    if (!token || !found) return show({ phoneError: "expired" }, 400);
    if (form.action === "sms") {
      const bot = await botCheckRefusal(c, request.project, "phone");
      if (bot) return show({ error: bot.error }, bot.status);
      const resent = await resendBySms(c, request.project, token, pickLang(c));
      if (!resent.sent) {
        const { phoneError, status } = refusal(resent.reason);
        return show({ phoneError, wait: resent.wait }, status);
      }
      return show({ channel: "sms" }, 200);
    }
    // A new account the project asks consent for is held under this token (unused otherwise): the code is used
    // up, and the person agrees on the next page, which makes the account (docs/hosted-login.md, legal consent).
    const hold = await newHeldToken();
    const result = await orSignUpRefusal(c, request, query, async () =>
      checkPhoneCode(
        c.var.deps.sql,
        request.project.id,
        await sha256(token),
        await codeHash(token, form.code),
        request.invitation,
        request.guestSub,
        { tokenHash: hold.hash, request: requestQuery(query) },
      ));
    if (result instanceof Response) return result;
    if (!result.accepted) {
      if (result.disabled) return show({ phoneError: "disabled" }, 403);
      if (result.unconfirmed) return show({ phoneError: "unconfirmed" }, 403);
      if (result.expired) return show({ phoneError: "expired" }, 400);
      return show({ phoneError: "wrongCode", left: result.attempts_left }, 422);
    }
    writePendingToken(c, request.project.id, null);
    if (result.held) return toConsentStep(c, hold.token, requestQuery(query), pickLang(c));
    if (!result.user_id) return show({ phoneError: "noAccount", masked: undefined }, 403);
    // The code claimed an account nobody had proven and removed what was on it: the person reads what went on
    // a page of ours before going on (no proven address to mail; a provider sends codes only).
    // A second factor owed first: the page comes once it is met (the challenge carries `onward`).
    if (result.claimed) writeClaimNotice(c, request.project.id, result.claimed);
    const onward = result.claimed ? "phone_claimed" as const : undefined;
    // RFC 8176: "sms" for a code by SMS; a WhatsApp code is a one-time password ("otp").
    return await afterFirstFactor(c, request, query, result.user_id, [
      result.channel === "sms" ? "sms" : "otp",
    ], { firstFactor: "phone", onward });
  },
};

export default function PhoneCodePage({ data }: PageProps<AuthPageData>) {
  // A self-registered client still needs the person's "Allow" after the code (afterFirstFactor's page).
  if (data.consent) return <ConsentForm data={data} />;
  return <PhoneCodeForm data={data as PhonePageData} />;
}
