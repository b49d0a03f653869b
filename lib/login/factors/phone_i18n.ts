/** The words of a phone code as the second step on /auth/mfa, in English and Bahasa Indonesia. */
import type { Lang } from "@/lib/login/i18n.ts";

const en = {
  phoneFactorIntro: "We will send a 6-digit code to your phone {phone}.",
  phoneFactorSent: "We sent a code by {channel} to {phone}. It is valid for 5 minutes.",
  phoneFactorWhatsApp: "Send code by WhatsApp",
  phoneFactorSms: "Send code by SMS",
  phoneFactorSmsInstead: "Send the code by SMS instead",
  phoneFactorNew: "Send a new code",
  phoneFactorUse: "Get a code on your phone instead",
  phoneFactorOr: "Or get a code on your phone {phone}.",
  phoneFactorAddLink: "Or get codes on your phone by WhatsApp or SMS.",
  phoneFactorAddIntro:
    "Enter your phone number. We will send a 6-digit code to it; once you type it back, this number is your second step.",
  phoneFactorOther: "Send a code to another number",
  phoneFactorTaken:
    "This number belongs to another account of this app. Use another number, or set up an app.",
};

const id: typeof en = {
  phoneFactorIntro: "Kami akan mengirim kode 6 angka ke HP Anda {phone}.",
  phoneFactorSent: "Kami mengirim kode lewat {channel} ke {phone}. Kode berlaku 5 menit.",
  phoneFactorWhatsApp: "Kirim kode lewat WhatsApp",
  phoneFactorSms: "Kirim kode lewat SMS",
  phoneFactorSmsInstead: "Kirim kode lewat SMS saja",
  phoneFactorNew: "Kirim kode baru",
  phoneFactorUse: "Terima kode di HP Anda saja",
  phoneFactorOr: "Atau terima kode di HP Anda {phone}.",
  phoneFactorAddLink: "Atau terima kode di HP Anda lewat WhatsApp atau SMS.",
  phoneFactorAddIntro:
    "Masukkan nomor HP Anda. Kami akan mengirim kode 6 angka; setelah Anda mengetiknya, nomor ini menjadi langkah kedua Anda.",
  phoneFactorOther: "Kirim kode ke nomor lain",
  phoneFactorTaken:
    "Nomor ini milik akun lain di aplikasi ini. Pakai nomor lain, atau pasang aplikasi autentikator.",
};

const TEXT = { en, id };
export type PhoneFactorKey = keyof typeof en;

export function sayPhoneFactor(lang: Lang, key: PhoneFactorKey, values: Record<string, string> = {}): string {
  return TEXT[lang][key].replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}
