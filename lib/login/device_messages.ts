/** The /device page's words, in English and Bahasa Indonesia (the hosted login's other words: i18n.ts). */
import { type Lang, waitText } from "./i18n.ts";

const en = {
  title: "Connect a device",
  enterTitle: "Enter the code shown on your device",
  codeLabel: "Code",
  codeHint: "8 letters, for example BCDF-GHJK.",
  continue: "Continue",
  consentTitle: "Allow this device?",
  wantsAccess: "wants to access",
  onBehalf: "on your behalf, with these permissions:",
  noScopes: "No particular permissions were asked for.",
  unverified:
    "The name is what the app calls itself; the project has not checked it. Allow only if you started this on your device.",
  publishedAt: "This app is published at",
  hostChecked: "Its name is its own claim; the address is the one thing checked. Allow only if you trust it.",
  signedInAs: "You are signed in to",
  allow: "Allow",
  deny: "Deny",
  allowedTitle: "Device connected",
  allowed: "You can go back to your device: it will continue by itself.",
  remembered:
    "You had already allowed {client} these permissions for {resource}, so you were not asked again. You can revoke it on your account page.",
  deniedTitle: "Request denied",
  denied: "The device was not given access. You can close this page.",
  badCode: "That code is not valid, or it has expired. Check the code on your device.",
  expired: "This request has expired or was already decided. Start again on your device.",
  tooMany: "Too many attempts. Try again in {wait}.",
  staleForm: "This form expired. Please try again.",
  language: "Bahasa Indonesia",
};

type DeviceMessages = Record<keyof typeof en, string>;

const id: DeviceMessages = {
  title: "Hubungkan perangkat",
  enterTitle: "Masukkan kode yang tampil di perangkat Anda",
  codeLabel: "Kode",
  codeHint: "8 huruf, misalnya BCDF-GHJK.",
  continue: "Lanjutkan",
  consentTitle: "Izinkan perangkat ini?",
  wantsAccess: "ingin mengakses",
  onBehalf: "atas nama Anda, dengan izin berikut:",
  noScopes: "Tidak ada izin khusus yang diminta.",
  unverified:
    "Nama ini adalah nama yang diberikan aplikasi itu sendiri; proyek belum memeriksanya. Izinkan hanya jika Anda sendiri yang memulainya di perangkat Anda.",
  publishedAt: "Aplikasi ini diterbitkan di",
  hostChecked:
    "Namanya adalah klaimnya sendiri; hanya alamat ini yang diperiksa. Izinkan hanya jika Anda memercayainya.",
  signedInAs: "Anda sudah masuk ke",
  allow: "Izinkan",
  deny: "Tolak",
  allowedTitle: "Perangkat terhubung",
  allowed: "Silakan kembali ke perangkat Anda: perangkat akan melanjutkan sendiri.",
  remembered:
    "Anda sudah pernah mengizinkan {client} dengan izin ini untuk {resource}, jadi Anda tidak ditanya lagi. Anda dapat mencabutnya di halaman akun Anda.",
  deniedTitle: "Permintaan ditolak",
  denied: "Perangkat tidak diberi akses. Anda boleh menutup halaman ini.",
  badCode: "Kode itu tidak valid atau sudah kedaluwarsa. Periksa kode di perangkat Anda.",
  expired: "Permintaan ini sudah kedaluwarsa atau sudah diputuskan. Mulai lagi di perangkat Anda.",
  tooMany: "Terlalu banyak percobaan. Coba lagi dalam {wait}.",
  staleForm: "Formulir ini kedaluwarsa. Silakan coba lagi.",
  language: "English",
};

export type DeviceMessage = keyof typeof en;
export const DEVICE_MESSAGES: Record<Lang, DeviceMessages> = { en, id };

/** A message in the page's language, with {wait} filled in. */
export function deviceSay(lang: Lang, key: DeviceMessage, waitSeconds = 60): string {
  return DEVICE_MESSAGES[lang][key].replace("{wait}", waitText(lang, waitSeconds));
}
