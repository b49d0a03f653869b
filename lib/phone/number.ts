/**
 * Phone numbers as people type them, made E.164 by libphonenumber-js: Indonesian habits (`0812…`, `62812…`,
 * `+62 812-…`) read as Indonesia, and only numbers that can receive a code (mobile, or mobile-or-fixed where
 * the plan cannot tell) are accepted — premium-rate, toll-free, shared-cost and the like are refused.
 */
import { lazyImport } from "@/lib/lazy_import.ts";

/** Loaded on the first number read (about 6 MB resident that a project without phone sign-in never needs). */
const library = lazyImport("libphonenumber-js/max", () => import("libphonenumber-js/max"));

export type PhoneNumber = { e164: string; country: string };
export type PhoneProblem = "invalid" | "not_mobile";

const RECEIVES_CODES = new Set(["MOBILE", "FIXED_LINE_OR_MOBILE"]);

/** The typed number in E.164 with its country, or why it cannot receive a code. */
export async function parsePhone(typed: string): Promise<PhoneNumber | { problem: PhoneProblem }> {
  const text = typed.trim();
  if (text.length === 0 || text.length > 40 || /[^\d\s()+.\-]/.test(text)) return { problem: "invalid" };
  // "62812…" without a plus is Indonesia's country code typed without it, a common habit.
  const normalised = /^62\d{8,13}$/.test(text.replace(/[\s().\-]/g, ""))
    ? `+${text.replace(/[\s().\-]/g, "")}`
    : text;
  const parsed = (await library()).parsePhoneNumberFromString(normalised, "ID");
  if (!parsed || !parsed.isValid() || !parsed.country) return { problem: "invalid" };
  const type = parsed.getType();
  if (!type || !RECEIVES_CODES.has(type)) return { problem: "not_mobile" };
  return { e164: parsed.number, country: parsed.country };
}

/** A number shown back on the page with most digits hidden: +62 812-****-7890 → "+62 •••• 7890". */
export async function maskPhone(e164: string): Promise<string> {
  const parsed = (await library()).parsePhoneNumberFromString(e164);
  const code = parsed ? `+${parsed.countryCallingCode}` : e164.slice(0, 3);
  return `${code} •••• ${e164.slice(-4)}`;
}
