/** /account/phone: adding or changing the signed-in person's phone number, verified by a code before it counts. */
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import { pendingPhoneCode } from "@/db/phone.ts";
import { accountConfirmPhone, accountStartPhoneCode } from "@/db/phone_account.ts";
import { setOwnPhoneFactor } from "@/db/phone_factor.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { csrfToken } from "@/lib/login/browser.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { sha256 } from "@/lib/secrets.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { maskPhone, parsePhone } from "@/lib/phone/number.ts";
import { codeHash, readPendingToken, resendBySms, sendNewCode, writePendingToken } from "@/lib/phone/flow.ts";
import { smsAvailable } from "@/lib/phone/channels.ts";
import { refusal } from "@/lib/phone/page.ts";
import { backToAccount } from "@/lib/account/phone.ts";
import { readPhoneForm } from "@/lib/account/phone_form.ts";
import { staleAccountPage } from "@/lib/account/page.tsx";
import { accountPhoneSay, type PhoneOutcome } from "@/lib/account/phone_i18n.ts";
import {
  type AccountTarget,
  accountTarget,
  FRESH_SECONDS,
  refusedWhileImpersonated,
  sessionHash,
  signInToAccount,
} from "@/lib/account/target.ts";
import { PhoneCodePage, type PhoneCodePageData } from "@/components/account/PhoneCodePage.tsx";

/** The pending code this browser holds for adding a number, with its token. */
async function pending(c: Ctx, target: AccountTarget) {
  const token = readPendingToken(c, target.project.id, "account");
  const found = token ? await pendingPhoneCode(c.var.deps.sql, target.project.id, await sha256(token)) : null;
  return { token, found };
}

/** The code page as a reload shows it (`data`: what to say), or back to the account when no code is pending. */
async function showCodePage(
  c: Ctx,
  target: AccountTarget,
  data: Partial<PhoneCodePageData> = {},
  status = 200,
) {
  if (!await sessionHash(c, target.project.id)) return signInToAccount(c, target, pickLang(c), false);
  const { found } = await pending(c, target);
  if (!found) return backToAccount(c, target, "expired");
  return codePage(
    c,
    target,
    { masked: await maskPhone(found.phone_number), channel: found.channel, ...data },
    status,
  );
}

async function codePage(c: Ctx, target: AccountTarget, data: Partial<PhoneCodePageData>, status = 200) {
  const lang = pickLang(c);
  c.header("cache-control", "no-store");
  const full: PhoneCodePageData = {
    lang,
    appName: target.project.name,
    query: target.query,
    csrf: csrfToken(c),
    masked: "",
    channel: "whatsapp",
    smsAvailable: await smsAvailable(c.var.deps, target.project),
    ...data,
  };
  return page(full, { title: accountPhoneSay(lang, "phoneCodeTitle"), lang, status });
}

/**
 * Adding or changing the signed-in person's phone number (/account's phone section): POST action=start sends
 * a code to the new number (a fresh sign-in needed); GET shows the code form; action=verify makes the number
 * theirs once the code is right (refused when another account holds it); action=sms sends a new code by SMS.
 */
export const handler: Handlers<PhoneCodePageData> = {
  async GET(c) {
    return await showCodePage(c, await accountTarget(c, new URL(c.req.url).searchParams));
  },

  async POST(c) {
    // A stale form comes back as a reload would: the code page's own forms there, the account page's on it.
    const posted = await readPhoneForm(
      c,
      async (target, form) =>
        form.action === "verify" || form.action === "sms"
          ? await showCodePage(c, target, { error: "staleForm" }, 403)
          : await staleAccountPage(c, target),
    );
    if (!("target" in posted)) return posted;
    const { form, target } = posted;
    const { sql } = c.var.deps;
    const hash = await sessionHash(c, target.project.id);
    if (!hash) return signInToAccount(c, target, pickLang(c), false);
    try {
      if (form.action === "factor_on" || form.action === "factor_off") {
        // The number was proven by its code when added; turning the factor on or off needs a fresh sign-in.
        const on = form.action === "factor_on";
        await setOwnPhoneFactor(sql, target.project.id, hash, on, FRESH_SECONDS);
        return backToAccount(c, target, on ? "phoneFactorOn" : "phoneFactorOff");
      }
      if (form.action === "start") {
        const phone = await parsePhone(form.phone);
        if ("problem" in phone) {
          return backToAccount(c, target, phone.problem === "invalid" ? "invalidPhone" : "notMobile");
        }
        const sent = await sendNewCode(
          c,
          target.project,
          { phone, channel: form.channel, lang: pickLang(c), purpose: "account" },
          (hashes) =>
            accountStartPhoneCode(sql, target.project.id, hash, {
              phoneNumber: phone.e164,
              country: phone.country,
              channel: form.channel,
              freshSeconds: FRESH_SECONDS,
              ...hashes,
            }, clientAddress(c)),
        );
        if (!sent.sent) {
          return backToAccount(c, target, refusal(sent.reason).phoneError as PhoneOutcome, sent.wait);
        }
        const params = new URLSearchParams(target.query);
        params.set("lang", pickLang(c));
        return c.redirect(`/account/phone?${params}`, 303);
      }
      const { token, found } = await pending(c, target);
      if (!token || !found) return backToAccount(c, target, "expired");
      const shown = { masked: await maskPhone(found.phone_number), channel: found.channel };
      if (form.action === "sms") {
        const resent = await resendBySms(c, target.project, token, pickLang(c));
        if (!resent.sent) {
          const { phoneError, status } = refusal(resent.reason);
          return codePage(c, target, { ...shown, error: phoneError, wait: resent.wait }, status);
        }
        return codePage(c, target, { ...shown, channel: "sms" });
      }
      const result = await accountConfirmPhone(
        sql,
        target.project.id,
        hash,
        await sha256(token),
        await codeHash(token, form.code),
      );
      if (result.accepted || result.taken || result.expired) {
        writePendingToken(c, target.project.id, null, "account");
        return backToAccount(
          c,
          target,
          result.accepted ? "phoneSaved" : result.taken ? "phoneTaken" : "expired",
        );
      }
      return codePage(c, target, { ...shown, error: "wrongCode", left: result.attempts_left }, 422);
    } catch (error) {
      const code = toAppError(error).code;
      // Signed out meanwhile, or signed in too long ago to add a way of signing in: the hosted login again.
      if (code === "invalid_grant") return signInToAccount(c, target, pickLang(c), false);
      if (code === "forbidden") return signInToAccount(c, target, pickLang(c), true);
      // Support staff signed in as the person (docs/impersonation.md): the account page says only the person may.
      if (code === "impersonated") return refusedWhileImpersonated(c, target, pickLang(c));
      if (code === "conflict" && form.action === "factor_on") {
        return backToAccount(c, target, "phoneFactorUnverified");
      }
      throw error;
    }
  },
};

export default function AccountPhone({ data }: PageProps<PhoneCodePageData>) {
  return <PhoneCodePage data={data} />;
}
