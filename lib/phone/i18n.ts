/** The phone sign-in pages' words in English and Bahasa Indonesia (titles live in lib/login/i18n.ts). */
import { type Lang, waitText } from "@/lib/login/i18n.ts";

const en = {
  continueWithPhone: "Continue with phone",
  phoneIntro: "We will send a 6-digit code to your WhatsApp. No WhatsApp? Choose SMS.",
  phoneNumber: "Phone number",
  phoneHint: "For example 0812 3456 7890 or +62 812 3456 7890.",
  sendWhatsApp: "Send code by WhatsApp",
  sendSms: "Send code by SMS",
  sentWhatsApp: "We sent a code by WhatsApp to {phone}. It is valid for 5 minutes.",
  sentSms: "We sent a code by SMS to {phone}. It is valid for 5 minutes.",
  fellBackToSms: "WhatsApp could not deliver it, so we sent the code by SMS to {phone}.",
  code: "6-digit code",
  verify: "Continue",
  smsInstead: "Send the code by SMS instead",
  otherNumber: "Use another number",
  useEmail: "Use email instead",
  invalidPhone: "Enter a valid phone number, for example 0812 3456 7890.",
  notMobile: "This number cannot receive codes (premium-rate and service numbers are not accepted).",
  country: "Numbers from this country cannot be used here.",
  rateLimited: "Too many codes were sent. Try again in {wait}.",
  budget: "This app cannot send more codes today. Try again in {wait}, or use email.",
  notSent: "We could not send a code right now. Try SMS, or try again in a minute.",
  wrongCode: "That code did not work. {left} tries left.",
  expired: "This code has expired or was used too many times. Ask for a new one.",
  staleForm: "This form expired. Please try again.",
  noAccount: "There is no account with this phone number, and this app does not create accounts by phone.",
  disabled: "This account is disabled.",
  numberTaken:
    "This number now belongs to an account of this app, so no new account was made. Send a new code to sign in with it.",
  unconfirmed:
    "This number has not been confirmed on its account, so it cannot be used to sign in. Sign in another way, then confirm the number on your account page.",
  unavailable: "This app does not offer sign-in by phone.",
};

const id: typeof en = {
  continueWithPhone: "Lanjutkan dengan nomor HP",
  phoneIntro: "Kami akan mengirim kode 6 angka ke WhatsApp Anda. Tidak pakai WhatsApp? Pilih SMS.",
  phoneNumber: "Nomor HP",
  phoneHint: "Contoh: 0812 3456 7890 atau +62 812 3456 7890.",
  sendWhatsApp: "Kirim kode lewat WhatsApp",
  sendSms: "Kirim kode lewat SMS",
  sentWhatsApp: "Kami mengirim kode lewat WhatsApp ke {phone}. Berlaku 5 menit.",
  sentSms: "Kami mengirim kode lewat SMS ke {phone}. Berlaku 5 menit.",
  fellBackToSms: "WhatsApp tidak dapat mengirimkannya, jadi kami mengirim kode lewat SMS ke {phone}.",
  code: "Kode 6 angka",
  verify: "Lanjutkan",
  smsInstead: "Kirim kode lewat SMS saja",
  otherNumber: "Pakai nomor lain",
  useEmail: "Pakai email saja",
  invalidPhone: "Masukkan nomor HP yang benar, misalnya 0812 3456 7890.",
  notMobile: "Nomor ini tidak dapat menerima kode (nomor premium dan nomor layanan tidak diterima).",
  country: "Nomor dari negara ini tidak dapat dipakai di sini.",
  rateLimited: "Terlalu banyak kode dikirim. Coba lagi dalam {wait}.",
  budget: "Aplikasi ini tidak dapat mengirim kode lagi hari ini. Coba lagi dalam {wait}, atau pakai email.",
  notSent: "Kami belum dapat mengirim kode. Coba lewat SMS, atau coba lagi sebentar lagi.",
  wrongCode: "Kode itu salah. Sisa {left} kali percobaan.",
  expired: "Kode ini sudah kedaluwarsa atau terlalu sering salah. Minta kode baru.",
  staleForm: "Formulir ini kedaluwarsa. Silakan coba lagi.",
  noAccount: "Tidak ada akun dengan nomor HP ini, dan aplikasi ini tidak membuat akun lewat nomor HP.",
  disabled: "Akun ini dinonaktifkan.",
  numberTaken:
    "Nomor ini sekarang terdaftar di sebuah akun aplikasi ini, jadi tidak ada akun baru yang dibuat. Kirim kode baru untuk masuk dengannya.",
  unconfirmed:
    "Nomor ini belum dikonfirmasi di akunnya, jadi tidak dapat dipakai untuk masuk. Masuk dengan cara lain, lalu konfirmasi nomor ini di halaman akun Anda.",
  unavailable: "Aplikasi ini tidak menyediakan masuk dengan nomor HP.",
};

export const PHONE_MESSAGES = { en, id };
export type PhoneMessageKey = keyof typeof en;

/** A message with its {wait}, {phone} and {left} filled in. */
export function sayPhone(
  lang: Lang,
  key: PhoneMessageKey,
  fill: { wait?: number; phone?: string; left?: number } = {},
): string {
  return PHONE_MESSAGES[lang][key]
    .replace("{wait}", waitText(lang, fill.wait ?? 60))
    .replace("{phone}", fill.phone ?? "")
    .replace("{left}", String(fill.left ?? 0));
}
