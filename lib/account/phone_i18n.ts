/**
 * The account page's phone section and its code page, in English and Bahasa Indonesia. The refusals shared
 * with phone sign-in (limits, budget, countries, malformed numbers) come from lib/phone/i18n.ts.
 */
import type { Lang } from "@/lib/login/i18n.ts";
import { type PhoneMessageKey, sayPhone } from "@/lib/phone/i18n.ts";

const en = {
  phoneTitle: "Phone number",
  phoneNone: "No phone number yet.",
  phoneCurrent: "Your number: {phone}.",
  phoneIntro: "We send a code to the number; it counts only once you type it back.",
  newPhone: "New phone number",
  addPhone: "Add number",
  changePhone: "Change number",
  phoneSaved: "Your phone number is saved.",
  phoneTaken:
    "This number belongs to another account of this app. Sign in with it there, or use another number.",
  phoneCodeTitle: "Confirm your phone number",
  phoneCodeIntro: "Type the code we sent to {phone} by {channel}.",
  back: "Back to my account",
};

const id: typeof en = {
  phoneTitle: "Nomor HP",
  phoneNone: "Belum ada nomor HP.",
  phoneCurrent: "Nomor Anda: {phone}.",
  phoneIntro: "Kami mengirim kode ke nomor itu; nomor baru berlaku setelah Anda mengetik kodenya.",
  newPhone: "Nomor HP baru",
  addPhone: "Tambahkan nomor",
  changePhone: "Ganti nomor",
  phoneSaved: "Nomor HP Anda tersimpan.",
  phoneTaken:
    "Nomor ini milik akun lain di aplikasi ini. Masuk dengan nomor itu di sana, atau pakai nomor lain.",
  phoneCodeTitle: "Konfirmasi nomor HP Anda",
  phoneCodeIntro: "Ketik kode yang kami kirim ke {phone} lewat {channel}.",
  back: "Kembali ke akun saya",
};

const TEXT = { en, id };
export type AccountPhoneKey = keyof typeof en;

/** The outcomes the phone section reports after a redirect (?phone=): its own, or phone sign-in's refusals. */
export const PHONE_OUTCOMES = [
  "phoneSaved",
  "phoneTaken",
  "invalidPhone",
  "notMobile",
  "country",
  "rateLimited",
  "budget",
  "notSent",
  "expired",
  "unavailable",
] as const;
export type PhoneOutcome = typeof PHONE_OUTCOMES[number];

export function accountPhoneSay(
  lang: Lang,
  key: AccountPhoneKey,
  values: Record<string, string> = {},
): string {
  return TEXT[lang][key].replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

/** An outcome's sentence, with the wait filled in for limits and the budget. */
export function phoneOutcomeSay(lang: Lang, outcome: PhoneOutcome, wait?: number): string {
  return outcome === "phoneSaved" || outcome === "phoneTaken"
    ? accountPhoneSay(lang, outcome)
    : sayPhone(lang, outcome as PhoneMessageKey, { wait });
}
