/** The sign-out page's words for RP-initiated logout, in English and Bahasa Indonesia (the rest: i18n.ts). */
import type { Lang } from "./i18n.ts";

const en = {
  otherSession:
    "The app asked to sign out a different account or an earlier session than the one signed in here. Sign out of this browser anyway?",
  invalidTitle: "This sign-out request is not valid",
  invalidHint:
    "The app sent a sign-out request that could not be verified as coming from it. Nobody was signed out. Go back to the app and sign out there again.",
  clientMismatch:
    "The app's sign-out request names two different apps. Nobody was signed out. Go back to the app and sign out there again.",
};

const id: typeof en = {
  otherSession:
    "Aplikasi meminta keluar dari akun lain atau sesi sebelumnya, bukan yang sedang masuk di sini. Tetap keluar dari browser ini?",
  invalidTitle: "Permintaan keluar ini tidak sah",
  invalidHint:
    "Aplikasi mengirim permintaan keluar yang tidak dapat dipastikan berasal darinya. Tidak ada yang dikeluarkan. Kembali ke aplikasi dan keluar lagi dari sana.",
  clientMismatch:
    "Permintaan keluar dari aplikasi menyebut dua aplikasi yang berbeda. Tidak ada yang dikeluarkan. Kembali ke aplikasi dan keluar lagi dari sana.",
};

export const LOGOUT_MESSAGES: Record<Lang, typeof en> = { en, id };
