/** The SAML single logout endpoint's words (routes/auth/sso/saml/[connection]/slo.tsx), in English and Indonesian. */
import type { Lang } from "./i18n.ts";

const en = {
  refusedTitle: "Sign-out did not finish",
  refused:
    "Your organization's sign-in sent a sign-out request that this app could not verify, so nobody was signed out here. If this keeps happening, ask your organization's administrator.",
  unknown: "This single logout address belongs to no organization's sign-in here. Nobody was signed out.",
  off:
    "Single logout is not set up for this organization's sign-in here, so nobody was signed out. Ask your organization's administrator.",
  signedOutTitle: "You are signed out of this app",
  unconfirmed:
    "Your organization's sign-in did not confirm that it signed you out there too. To be sure, close your browser.",
  stale:
    "This browser is not waiting for a sign-out from your organization's sign-in (it took longer than ten minutes, or it finished already).",
  continue: "Continue",
};

const id: typeof en = {
  refusedTitle: "Proses keluar tidak selesai",
  refused:
    "Layanan masuk organisasi Anda mengirim permintaan keluar yang tidak dapat diverifikasi aplikasi ini, jadi tidak ada yang dikeluarkan di sini. Jika ini terus terjadi, hubungi administrator organisasi Anda.",
  unknown:
    "Alamat single logout ini bukan milik layanan masuk organisasi mana pun di sini. Tidak ada yang dikeluarkan.",
  off:
    "Single logout belum disiapkan untuk layanan masuk organisasi ini di sini, jadi tidak ada yang dikeluarkan. Hubungi administrator organisasi Anda.",
  signedOutTitle: "Anda sudah keluar dari aplikasi ini",
  unconfirmed:
    "Layanan masuk organisasi Anda tidak memastikan bahwa Anda juga sudah dikeluarkan di sana. Untuk memastikannya, tutup browser Anda.",
  stale:
    "Browser ini tidak sedang menunggu proses keluar dari layanan masuk organisasi Anda (lebih dari sepuluh menit, atau sudah selesai).",
  continue: "Lanjutkan",
};

export const SAML_LOGOUT_MESSAGES: Record<Lang, typeof en> = { en, id };
