/** The forms /account/phone reads: CSRF and Origin checked like every account form (./form.ts). */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { readCheckedForm } from "./form.ts";
import type { AccountTarget } from "./target.ts";

const Form = z.object({
  request: z.string().max(4000),
  csrf: z.string().max(100),
  /** factor_on / factor_off: the number as a second factor (docs/mfa.md). */
  action: z.enum(["start", "verify", "sms", "factor_on", "factor_off"]),
  phone: z.string().max(100).default(""),
  channel: z.enum(["whatsapp", "sms"]).default("whatsapp"),
  code: z.string().max(20).default(""),
});
export type PhoneForm = z.infer<typeof Form>;

/** The posted form and its account, or what `stale` shows for a stale or foreign form (nothing changes). */
export function readPhoneForm<A>(
  c: Ctx,
  stale: (target: AccountTarget, form: PhoneForm) => Promise<A | Response>,
): Promise<{ form: PhoneForm; target: AccountTarget } | A | Response> {
  return readCheckedForm(c, Form, stale);
}
