/**
 * Adding or changing a phone number from the account page: the section's data for /account, and where each
 * outcome of /account/phone's forms (./phone_form.ts) goes back to.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { AccountOverview } from "@/db/account.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { smsAvailable } from "@/lib/phone/channels.ts";
import { PHONE_OUTCOMES, type PhoneOutcome } from "./phone_i18n.ts";
import type { AccountTarget } from "./target.ts";

/** Back to the account page's phone section, saying what happened (post/redirect/get). */
export function backToAccount(c: Ctx, target: AccountTarget, outcome: PhoneOutcome, wait?: number): Response {
  const params = new URLSearchParams(target.query);
  params.set("lang", pickLang(c));
  params.set("phone", outcome);
  if (wait !== undefined) params.set("wait", String(wait));
  return c.redirect(`/account?${params}#phone`, 303);
}

export type PhoneSectionData = {
  /** A number may be added (SQL's astapa.phone_number_addable): otherwise the section only shows the number. */
  addable: boolean;
  current: string | null;
  smsAvailable: boolean;
  outcome?: PhoneOutcome;
  wait?: number;
  /** The project accepts a phone as second factor (settings.mfa.phone): whether this person's is on. */
  factor?: { on: boolean };
};

const Shown = z.object({
  phone: z.enum(PHONE_OUTCOMES).optional().catch(undefined),
  wait: z.coerce.number().int().min(0).max(86400).optional().catch(undefined),
});

/** What the account page's phone section shows, from the account and the outcome the redirect carries. */
export async function phoneSection(
  c: Ctx,
  target: AccountTarget,
  account: AccountOverview,
  query: URLSearchParams,
): Promise<PhoneSectionData> {
  const shown = Shown.parse({ phone: query.get("phone") ?? undefined, wait: query.get("wait") ?? undefined });
  return {
    addable: account.phone.addable,
    current: account.user.phone_number,
    smsAvailable: await smsAvailable(c.var.deps, target.project),
    outcome: shown.phone,
    wait: shown.wait,
    ...(account.phone.second_factor ? { factor: { on: account.factor.phone } } : {}),
  };
}
