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
  phoneFactor: "Two-step verification by phone: {state}.",
  phoneFactorOnState: "on — when you sign in we may send a code to this number",
  phoneFactorOffState: "off",
  phoneFactorTurnOn: "Use this number for two-step verification",
  phoneFactorTurnOff: "Stop using this number for two-step verification",
  phoneFactorOn: "This number is now a second step when you sign in.",
  phoneFactorOff: "This number is no longer a second step when you sign in.",
  phoneFactorUnverified: "Confirm your phone number with a code first, then turn this on.",
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
  phoneFactor: "Verifikasi dua langkah lewat HP: {state}.",
  phoneFactorOnState: "aktif — saat Anda masuk kami bisa mengirim kode ke nomor ini",
  phoneFactorOffState: "nonaktif",
  phoneFactorTurnOn: "Pakai nomor ini untuk verifikasi dua langkah",
  phoneFactorTurnOff: "Berhenti memakai nomor ini untuk verifikasi dua langkah",
  phoneFactorOn: "Nomor ini sekarang menjadi langkah kedua saat Anda masuk.",
  phoneFactorOff: "Nomor ini tidak lagi menjadi langkah kedua saat Anda masuk.",
  phoneFactorUnverified: "Konfirmasi nomor HP Anda dengan kode dulu, lalu aktifkan ini.",
};

const TEXT = { en, id };
export type AccountPhoneKey = keyof typeof en;

/** The outcomes the phone section reports after a redirect (?phone=): its own, or phone sign-in's refusals. */
export const PHONE_OUTCOMES = [
  "phoneSaved",
  "phoneTaken",
  "phoneFactorOn",
  "phoneFactorOff",
  "phoneFactorUnverified",
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

/** The outcomes said in this file's words; the rest are phone sign-in's refusals. */
const OWN_OUTCOMES: PhoneOutcome[] = [
  "phoneSaved",
  "phoneTaken",
  "phoneFactorOn",
  "phoneFactorOff",
  "phoneFactorUnverified",
];

/** Whether an outcome is good news (a notice) rather than a refusal (an alert). */
export const goodPhoneOutcome = (outcome: PhoneOutcome) =>
  outcome === "phoneSaved" || outcome === "phoneFactorOn" || outcome === "phoneFactorOff";

export function accountPhoneSay(
  lang: Lang,
  key: AccountPhoneKey,
  values: Record<string, string> = {},
): string {
  return TEXT[lang][key].replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

/** An outcome's sentence, with the wait filled in for limits and the budget. */
export function phoneOutcomeSay(lang: Lang, outcome: PhoneOutcome, wait?: number): string {
  return OWN_OUTCOMES.includes(outcome)
    ? accountPhoneSay(lang, outcome as AccountPhoneKey)
    : sayPhone(lang, outcome as PhoneMessageKey, { wait });
}
