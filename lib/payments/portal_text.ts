/**
 * The customer billing portal (/billing/account) in English and Bahasa Indonesia. Amounts are written the
 * Indonesian way in both (IDR 99.000), like receipts.
 */
import type { Lang } from "../login/i18n.ts";

const en = {
  title: "Billing",
  signedInAs: (email: string) => `Signed in as ${email}`,
  yourPlan: "Your plan",
  free: "You are on the free plan.",
  trialUntil: (date: string) => `Free trial until ${date}. Pay before then to keep the plan.`,
  renewsOn: (date: string, amount: string, plan: string) => `Renews on ${date}: ${amount} for ${plan}.`,
  paidThrough: (date: string) => `Paid through ${date}.`,
  canceledUntil: (date: string) => `Canceled: the plan runs until ${date} and is not renewed.`,
  pastDue: "Your last renewal is unpaid: pay it below to keep the plan.",
  cancel: "Cancel the plan",
  cancelHint: "The plan keeps running to the end of the period you paid for.",
  resume: "Keep the plan (resume renewals)",
  changeTitle: "Change plan",
  changeTo: (plan: string) => `Switch to ${plan}`,
  upgradeNote: "An upgrade charges only the difference for the rest of this period.",
  downgradeNote: "A downgrade or a cheaper interval starts when the current period ends.",
  choosePlans: "See the plans",
  openChange: (plan: string, date: string | null) =>
    date ? `Your plan changes to ${plan} on ${date}.` : `Upgrade to ${plan} waiting for its payment.`,
  withdrawChange: "Withdraw this change",
  toPay: "To pay",
  pay: "Pay",
  until: (date: string) => `until ${date}`,
  history: "Payment history",
  noPayments: "No payments yet.",
  date: "Date",
  receipt: "Receipt",
  plan: "Plan",
  amount: "Amount",
  refund: "Refund",
  view: "View or print",
  refundStatus: {
    requested: "refund requested",
    pending: "refund in progress",
    succeeded: "refunded",
    failed: "refund failed",
  },
  notices: {
    canceled: "Your plan is canceled. It runs until the end of the paid period.",
    resumed: "Renewals resumed.",
    scheduled: "The change is scheduled for the end of the period.",
    withdrawn: "The change was withdrawn.",
    refused: "That is not possible for your plan right now.",
    linked: "Your payment method is linked once you approved it: renewals are charged to it.",
    link_failed: "The payment method was not linked. Renewals keep coming as pay links by email.",
    link_refused:
      "That payment method cannot be linked: check the details, or unlink the one you have first.",
    unlinked: "The payment method is unlinked. Renewals come as pay links by email.",
    otp_sent: "Your bank sent a code to your phone: enter it below to link the account.",
    otp_wrong: "That code was not accepted. Check the code your bank sent and try again.",
    stale_form: "This form expired. Please try again.",
  },
  backToApp: "Back to the app",
};
export type PortalText = typeof en;

const id: PortalText = {
  title: "Tagihan",
  signedInAs: (email: string) => `Masuk sebagai ${email}`,
  yourPlan: "Paket Anda",
  free: "Anda memakai paket gratis.",
  trialUntil: (date: string) => `Uji coba gratis sampai ${date}. Bayar sebelum itu agar paket tetap aktif.`,
  renewsOn: (date: string, amount: string, plan: string) =>
    `Diperpanjang pada ${date}: ${amount} untuk ${plan}.`,
  paidThrough: (date: string) => `Sudah dibayar sampai ${date}.`,
  canceledUntil: (date: string) => `Dibatalkan: paket berjalan sampai ${date} dan tidak diperpanjang.`,
  pastDue: "Perpanjangan terakhir belum dibayar: bayar di bawah agar paket tetap aktif.",
  cancel: "Batalkan paket",
  cancelHint: "Paket tetap berjalan sampai akhir periode yang sudah dibayar.",
  resume: "Tetap pakai paket (lanjutkan perpanjangan)",
  changeTitle: "Ganti paket",
  changeTo: (plan: string) => `Ganti ke ${plan}`,
  upgradeNote: "Naik paket hanya menagih selisihnya untuk sisa periode ini.",
  downgradeNote: "Turun paket atau interval yang lebih murah mulai saat periode ini berakhir.",
  choosePlans: "Lihat paket",
  openChange: (plan: string, date: string | null) =>
    date ? `Paket Anda berganti ke ${plan} pada ${date}.` : `Naik ke ${plan} menunggu pembayarannya.`,
  withdrawChange: "Batalkan perubahan ini",
  toPay: "Perlu dibayar",
  pay: "Bayar",
  until: (date: string) => `sampai ${date}`,
  history: "Riwayat pembayaran",
  noPayments: "Belum ada pembayaran.",
  date: "Tanggal",
  receipt: "Kuitansi",
  plan: "Paket",
  amount: "Jumlah",
  refund: "Pengembalian dana",
  view: "Lihat atau cetak",
  refundStatus: {
    requested: "pengembalian diminta",
    pending: "pengembalian diproses",
    succeeded: "dikembalikan",
    failed: "pengembalian gagal",
  },
  notices: {
    canceled: "Paket Anda dibatalkan. Paket berjalan sampai akhir periode yang sudah dibayar.",
    resumed: "Perpanjangan dilanjutkan.",
    scheduled: "Perubahan dijadwalkan untuk akhir periode.",
    withdrawn: "Perubahan dibatalkan.",
    refused: "Itu tidak bisa dilakukan untuk paket Anda saat ini.",
    linked: "Metode pembayaran Anda tertaut setelah Anda menyetujuinya: perpanjangan ditagihkan ke sana.",
    link_failed:
      "Metode pembayaran tidak tertaut. Perpanjangan tetap dikirim sebagai tautan bayar lewat email.",
    link_refused:
      "Metode pembayaran itu tidak bisa ditautkan: periksa datanya, atau lepaskan yang sudah tertaut dulu.",
    unlinked: "Metode pembayaran dilepas. Perpanjangan dikirim sebagai tautan bayar lewat email.",
    otp_sent: "Bank Anda mengirim kode ke ponsel Anda: masukkan di bawah untuk menautkan rekening.",
    otp_wrong: "Kode itu tidak diterima. Periksa kode dari bank Anda dan coba lagi.",
    stale_form: "Formulir ini kedaluwarsa. Silakan coba lagi.",
  },
  backToApp: "Kembali ke aplikasi",
};

export const PORTAL_TEXT: Record<Lang, PortalText> = { en, id };
export type PortalNotice = keyof PortalText["notices"];

/** A date as the portal shows it (Jakarta time, like receipt numbers' years). */
export const portalDate = (iso: string, lang: Lang) =>
  new Date(iso).toLocaleDateString(lang === "id" ? "id-ID" : "en-GB", {
    dateStyle: "long",
    timeZone: "Asia/Jakarta",
  });
