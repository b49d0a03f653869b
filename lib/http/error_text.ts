/**
 * What the error page says, in English and Bahasa Indonesia. The catalogue's public messages are English
 * (API clients read them too); a person whose browser asks for Indonesian gets the Indonesian message for the
 * code, and a more specific (English) description below it, marked lang="en".
 */
import type { Lang } from "../login/i18n.ts";
import { type DescriptionKey, DESCRIPTIONS, type ErrorCode, ERRORS } from "./errors.ts";

type ErrorText = {
  error: string;
  headings: Record<number, string>;
  serverHeading: string;
  clientHeading: string;
  home: string;
  reference: string;
};

export const ERROR_TEXT: Record<Lang, ErrorText> = {
  en: {
    error: "Error",
    headings: {
      401: "Sign in first",
      403: "Not allowed",
      404: "Page not found",
      405: "Not allowed here",
      413: "That was too large",
      429: "Slow down a little",
      503: "Back in a moment",
    },
    serverHeading: "Something went wrong",
    clientHeading: "We could not do that",
    home: "Go to the start page",
    reference: "Reference",
  },
  id: {
    error: "Galat",
    headings: {
      401: "Masuk dulu",
      403: "Tidak diizinkan",
      404: "Halaman tidak ditemukan",
      405: "Tidak diizinkan di sini",
      413: "Terlalu besar",
      429: "Pelan-pelan sedikit",
      503: "Sebentar lagi kembali",
    },
    serverHeading: "Terjadi kesalahan",
    clientHeading: "Kami tidak dapat melakukannya",
    home: "Ke halaman awal",
    reference: "Referensi",
  },
};

/** The catalogue's messages in Indonesian (codes a person can meet on a page). */
const MESSAGES_ID: Partial<Record<ErrorCode, string>> = {
  invalid_request: "Permintaan tidak valid.",
  invalid_json: "Isi permintaan bukan JSON yang valid.",
  validation_failed: "Beberapa isian kosong atau tidak valid.",
  unauthorized: "Anda perlu masuk dulu.",
  forbidden: "Anda tidak diizinkan melakukan ini.",
  not_found: "Tidak ada apa pun di alamat ini.",
  method_not_allowed: "Alamat ini tidak menerima metode tersebut.",
  conflict: "Permintaan ini bertentangan dengan keadaan saat ini.",
  account_changed_during_sign_in:
    "Akun ini berubah saat Anda sedang masuk: alamat email atau nomor telepon lainnya baru saja dikonfirmasi, " +
    "sehingga kode atau tautan ini tidak lagi dapat dipakai untuk masuk. Masuk lagi dengan yang sudah dikonfirmasi.",
  payload_too_large: "Isi permintaan lebih dari 1 MiB.",
  client_closed_request: "Koneksi ditutup sebelum isi permintaan selesai terkirim.",
  unsupported_media_type: "Kirim isi sebagai application/json atau application/x-www-form-urlencoded.",
  rate_limited: "Terlalu banyak permintaan. Coba lagi sebentar lagi.",
  internal_error: "Terjadi kesalahan di pihak kami.",
  service_unavailable: "Layanan belum siap. Coba lagi sebentar lagi.",
  credentials_changed: "Kata sandi atau akun berubah saat Anda sedang masuk. Silakan masuk lagi.",
  reconciliation_not_stopped:
    "Rekonsiliasi pembayaran atau pengembalian dana ini belum berhenti: proses penagihan masih menanyakannya ke Xendit.",
  already_final:
    "Pembayaran atau pengembalian dana ini sudah final: tidak ada lagi yang perlu direkonsiliasi.",
  organization_full:
    "Organisasi ini tidak punya kursi kosong: keluarkan seorang anggota atau pindah ke paket dengan lebih banyak kursi.",
  initiate_login_uri_missing:
    "Klien proyek ini belum punya initiate_login_uri, jadi tautan dalam email tidak punya aplikasi untuk memulai " +
    "proses masuk: atur dulu.",
  webhook_endpoint_limit:
    "Proyek ini sudah punya 16 endpoint webhook, jumlah terbanyak yang boleh: hapus satu sebelum menambah yang lain.",
  email_unverified:
    "Konfirmasi alamat email dulu: hanya akun yang alamatnya sudah dikonfirmasi yang boleh melakukan ini.",
  payments_not_configured: "Pembayaran belum diatur untuk proyek ini.",
  sign_up_refused: "Aplikasi ini tidak menerima akun baru untuk alamat ini.",
  legal_consent_required: "Setujui ketentuan layanan dan kebijakan privasi aplikasi ini untuk membuat akun.",
  bot_check_failed: "Pemeriksaan bot gagal. Selesaikan tantangannya lagi.",
  guest_signed_up: "Akun tamu ini sudah didaftarkan atau sudah dikeluarkan. Silakan masuk.",
  anonymous_sign_ins_disabled: "Proyek ini tidak mengizinkan masuk sebagai tamu.",
  sso_required:
    "Organisasi Anda memasukkan Anda lewat penyedia identitasnya sendiri: lanjutkan dengan single sign-on.",
  sso_email_taken: "Penyedia identitas memberi orang ini alamat yang dipakai akun lain.",
  payment_provider_error: "Penyedia pembayaran tidak menerima permintaan ini. Coba lagi sebentar lagi.",
};

/** The catalogue's specific descriptions in Indonesian. */
const DESCRIPTIONS_ID: Record<DescriptionKey, string> = {
  payment_provider_timeout: "Penyedia pembayaran tidak menjawab tepat waktu. Coba lagi sebentar lagi.",
  payment_provider_unreachable: "Penyedia pembayaran tidak dapat dihubungi. Coba lagi sebentar lagi.",
  payment_provider_interrupted: "Jawaban penyedia pembayaran terputus. Coba lagi sebentar lagi.",
  payment_provider_refused_charge: "Penyedia pembayaran tidak menerima tagihan ini. Coba lagi sebentar lagi.",
  payment_provider_refused_link: "Penyedia pembayaran tidak menerima penautan ini. Coba lagi sebentar lagi.",
  payment_provider_refused_unlink:
    "Penyedia pembayaran menolak melepas metode pembayaran ini, jadi metode ini tetap tertaut. " +
    "Coba lagi sebentar lagi.",
  payment_provider_failed_unlink:
    "Penyedia pembayaran menjawab pelepasan dengan galat. Metode pembayaran ini " +
    "tidak ditagih selama itu; coba lagi sebentar lagi.",
  payment_provider_failed_refund:
    "Penyedia pembayaran menjawab pengembalian dana dengan galat. Jumlahnya tetap " +
    "dicadangkan, dan pengembalian dana diminta lagi dalam sekitar 15 menit.",
  payment_provider_credentials_charge:
    "Penyedia pembayaran menolak kredensial Xendit (kunci API) proyek ini, jadi tidak ada tagihan yang dibuat " +
    "dan tidak ada yang dibayar. Checkout tetap terbuka; perbaiki kunci Xendit proyek ini, lalu coba lagi.",
  payment_provider_credentials_link:
    "Penyedia pembayaran menolak kredensial Xendit (kunci API) proyek ini, jadi metode pembayaran tidak " +
    "ditautkan. Perbaiki kunci Xendit proyek ini, lalu coba lagi.",
  payment_provider_credentials_unlink:
    "Penyedia pembayaran menolak kredensial Xendit (kunci API) proyek ini, jadi metode pembayaran belum " +
    "dilepas. Metode ini tidak ditagih selama itu, dan pelepasan diselesaikan setelah kunci Xendit proyek ini " +
    "diperbaiki.",
  payment_provider_credentials_refund:
    "Penyedia pembayaran menolak kredensial Xendit (kunci API) proyek ini. Jumlahnya tetap dicadangkan, " +
    "dan pengembalian dana diminta lagi dalam sekitar 15 menit; perbaiki kunci Xendit proyek ini.",
  payment_provider_timeout_refund:
    "Penyedia pembayaran tidak menjawab pengembalian dana tepat waktu. Jumlahnya tetap " +
    "dicadangkan, dan pengembalian dana diminta lagi dalam sekitar 15 menit.",
  payment_provider_unreachable_refund:
    "Penyedia pembayaran tidak dapat dihubungi untuk pengembalian dana. Jumlahnya tetap " +
    "dicadangkan, dan pengembalian dana diminta lagi dalam sekitar 15 menit.",
  payment_provider_interrupted_refund:
    "Jawaban penyedia pembayaran atas pengembalian dana terputus. Jumlahnya tetap " +
    "dicadangkan, dan pengembalian dana diminta lagi dalam sekitar 15 menit.",
  checkout_paid: "Pembayaran ini sudah lunas.",
  checkout_expired: "Pembayaran ini sudah kedaluwarsa.",
  checkout_period_paid: "Periode yang ditagih di sini sudah dibayar.",
  checkout_no_period_to_renew:
    "Langganan ini sudah dibatalkan atau sudah berakhir: tidak ada periode untuk diperpanjang. Beli paketnya lagi.",
};

/** The page's message for `code` and, when the description says more than the catalogue, that too. */
export function errorMessages(
  lang: Lang,
  code: ErrorCode,
  description: string,
): { message: string; detail?: string } {
  if (lang === "en") return { message: description };
  const known = (Object.keys(DESCRIPTIONS) as DescriptionKey[]).find((key) =>
    DESCRIPTIONS[key] === description
  );
  if (known) return { message: DESCRIPTIONS_ID[known] };
  const message = MESSAGES_ID[code] ?? ERRORS[code].message;
  return description === ERRORS[code].message ? { message } : { message, detail: description };
}
