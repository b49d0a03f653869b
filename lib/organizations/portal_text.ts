/** The words of the organization billing portal (/billing/organizations), in English and Bahasa Indonesia. */
import type { Lang } from "@/lib/login/i18n.ts";

type PortalWords = {
  title: string;
  intro: string;
  none: string;
  plan: (name: string) => string;
  noPlan: string;
  paidThrough: (date: string) => string;
  seats: (members: number, limit: number | null) => string;
  buy: string;
  seatsLabel: string;
  pay: string;
  payments: string;
  paid: (seats: number | null, from: number | null) => string;
  noTeamPlans: string;
  /** Other seats paid for the next period, from its start. */
  nextSeats: (limit: number, date: string) => string;
  canceled: (date: string) => string;
  grace: (date: string) => string;
  cancel: string;
  resume: string;
  /** The linked method that pays the renewals (the form to choose it). */
  method: string;
  methodNow: (label: string, mine: boolean, active: boolean, unlinking: boolean) => string;
  methodNone: string;
  methodPickNone: string;
  methodSave: string;
  methodNoneLinked: string;
  /** A per-seat plan's price is for one seat; a flat plan's for its own number of seats. */
  perSeat: string;
  flatSeats: (seats: number) => string;
  /** Another team plan from the next period (api.change_organization_plan), and the one scheduled. */
  changeTitle: string;
  changeHint: (date: string) => string;
  changeSubmit: string;
  scheduledChange: (plan: string, seats: number, date: string) => string;
  withdrawChange: string;
  notices: Record<OrgPortalNotice, string>;
};

export const ORG_PORTAL_NOTICES = [
  "method_set",
  "method_cleared",
  "method_not_admin",
  "method_not_yours",
  "method_not_active",
  "plan_canceled",
  "plan_resumed",
  "cancel_refused",
  "resume_refused",
  "not_admin",
  "too_few_seats",
  "plan_unavailable",
  "change_scheduled",
  "change_withdrawn",
  "change_refused",
  "change_too_few_seats",
  "stale_form",
] as const;
export type OrgPortalNotice = typeof ORG_PORTAL_NOTICES[number];

export const ORG_PORTAL_TEXT: Record<Lang, PortalWords> = {
  en: {
    title: "Your organizations' plans",
    intro: "Organizations you own or administer: their team plan, seats and payments.",
    none: "You are not an owner or admin of any organization in this app.",
    plan: (name) => `Plan: ${name}`,
    noPlan: "No team plan yet.",
    paidThrough: (date) => `Paid through ${date}.`,
    seats: (members, limit) =>
      limit === null ? `${members} members, no seat limit.` : `${members} of ${limit} seats taken.`,
    buy: "Buy, renew or add seats",
    seatsLabel: "Seats (per-seat plans)",
    pay: "Go to payment",
    payments: "Payments",
    paid: (seats, from) => from === null ? `${seats} seats` : `${from} → ${seats} seats`,
    noTeamPlans: "This app sells no team plans.",
    nextSeats: (limit, date) => `From ${date}: ${limit} seats (paid).`,
    canceled: (date) => `Canceled: the plan ends on ${date} and is not renewed.`,
    grace: (date) => `The renewal is unpaid: pay it by ${date} to keep the plan.`,
    cancel: "Cancel at the end of the period",
    resume: "Keep the plan (resume renewals)",
    method: "Pay renewals with a linked method",
    methodNow: (label, mine, active, unlinking) =>
      `Renewals are charged to ${label}${mine ? " (yours)" : " (another owner's or admin's)"}.` +
      (active ? "" : " It is no longer active: renewals are sent as pay links.") +
      (unlinking ? " It is being unlinked: renewals are sent as pay links meanwhile." : ""),
    methodNone: "No linked method is chosen: renewals are sent as pay links by email.",
    methodPickNone: "None (pay each renewal by link)",
    methodSave: "Save payment method",
    methodNoneLinked:
      "You have no active linked method. Link one on your billing account page to choose it here.",
    perSeat: "/ seat",
    flatSeats: (seats) => `up to ${seats} members`,
    changeTitle: "Change the plan from the next period",
    changeHint: (date) =>
      `The new plan starts on ${date}, with the next period: its renewal charges the new price. Until then ` +
      "the organization keeps its plan and seats.",
    changeSubmit: "Change from the next period",
    scheduledChange: (plan, seats, date) =>
      `Scheduled: from ${date}, plan ${plan} with ${seats} seats (the renewal charges its price).`,
    withdrawChange: "Withdraw the change",
    notices: {
      method_set: "Saved: renewals are charged to the chosen method.",
      method_cleared: "Saved: renewals are sent as pay links.",
      method_not_admin: "Refused: only an owner or admin of this organization chooses how it pays.",
      method_not_yours: "Refused: you can only choose one of your own linked methods.",
      method_not_active: "Refused: this method is not active. Link it again first.",
      plan_canceled: "Canceled: the plan ends at the end of the paid period and is not renewed.",
      plan_resumed: "Resumed: the plan renews at the end of the period.",
      cancel_refused: "Refused: this organization has no running paid team plan to cancel.",
      resume_refused: "Refused: there is no canceled plan still running to resume.",
      not_admin: "Refused: only an owner or admin of this organization manages its plan.",
      too_few_seats:
        "Refused: the organization has more members than these seats. Buy more seats or remove members.",
      plan_unavailable: "Refused: this team plan is not on sale any more. Choose another one.",
      change_scheduled: "Scheduled: the new plan starts with the next period.",
      change_withdrawn: "Withdrawn: the plan renews as it is.",
      change_refused:
        "Refused: there is no running, renewing team plan to change (or it is already this plan), or nothing to withdraw.",
      change_too_few_seats:
        "Refused: the organization has more members than that plan would have seats. Choose more seats or remove members.",
      stale_form: "This form expired. Please try again.",
    },
  },
  id: {
    title: "Paket organisasi Anda",
    intro: "Organisasi yang Anda miliki atau kelola: paket tim, kursi, dan pembayarannya.",
    none: "Anda bukan pemilik atau admin organisasi mana pun di aplikasi ini.",
    plan: (name) => `Paket: ${name}`,
    noPlan: "Belum ada paket tim.",
    paidThrough: (date) => `Dibayar sampai ${date}.`,
    seats: (members, limit) =>
      limit === null ? `${members} anggota, tanpa batas kursi.` : `${members} dari ${limit} kursi terpakai.`,
    buy: "Beli, perpanjang, atau tambah kursi",
    seatsLabel: "Kursi (paket per kursi)",
    pay: "Lanjut ke pembayaran",
    payments: "Pembayaran",
    paid: (seats, from) => from === null ? `${seats} kursi` : `${from} → ${seats} kursi`,
    noTeamPlans: "Aplikasi ini tidak menjual paket tim.",
    nextSeats: (limit, date) => `Mulai ${date}: ${limit} kursi (sudah dibayar).`,
    canceled: (date) => `Dibatalkan: paket berakhir pada ${date} dan tidak diperpanjang.`,
    grace: (date) => `Perpanjangan belum dibayar: bayar sebelum ${date} agar paket tetap aktif.`,
    cancel: "Batalkan di akhir periode",
    resume: "Pertahankan paket (lanjutkan perpanjangan)",
    method: "Bayar perpanjangan dengan metode tertaut",
    methodNow: (label, mine, active, unlinking) =>
      `Perpanjangan ditagihkan ke ${label}${mine ? " (milik Anda)" : " (milik pemilik atau admin lain)"}.` +
      (active ? "" : " Metode ini tidak aktif lagi: perpanjangan dikirim sebagai tautan pembayaran.") +
      (unlinking
        ? " Metode ini sedang dilepaskan: sementara itu perpanjangan dikirim sebagai tautan pembayaran."
        : ""),
    methodNone:
      "Belum ada metode tertaut yang dipilih: perpanjangan dikirim sebagai tautan pembayaran lewat email.",
    methodPickNone: "Tidak ada (bayar tiap perpanjangan lewat tautan)",
    methodSave: "Simpan metode pembayaran",
    methodNoneLinked:
      "Anda belum punya metode tertaut yang aktif. Tautkan di halaman akun tagihan Anda agar bisa dipilih di sini.",
    perSeat: "/ kursi",
    flatSeats: (seats) => `hingga ${seats} anggota`,
    changeTitle: "Ganti paket mulai periode berikutnya",
    changeHint: (date) =>
      `Paket baru mulai pada ${date}, bersama periode berikutnya: perpanjangannya menagih harga baru. Sampai ` +
      "saat itu organisasi tetap memakai paket dan kursinya.",
    changeSubmit: "Ganti mulai periode berikutnya",
    scheduledChange: (plan, seats, date) =>
      `Terjadwal: mulai ${date}, paket ${plan} dengan ${seats} kursi (perpanjangan menagih harganya).`,
    withdrawChange: "Batalkan perubahan",
    notices: {
      method_set: "Tersimpan: perpanjangan ditagihkan ke metode yang dipilih.",
      method_cleared: "Tersimpan: perpanjangan dikirim sebagai tautan pembayaran.",
      method_not_admin: "Ditolak: hanya pemilik atau admin organisasi ini yang memilih cara membayarnya.",
      method_not_yours: "Ditolak: Anda hanya bisa memilih metode tertaut milik Anda sendiri.",
      method_not_active: "Ditolak: metode ini tidak aktif. Tautkan lagi terlebih dahulu.",
      plan_canceled: "Dibatalkan: paket berakhir di akhir periode yang sudah dibayar dan tidak diperpanjang.",
      plan_resumed: "Dilanjutkan: paket diperpanjang di akhir periode.",
      cancel_refused:
        "Ditolak: organisasi ini tidak punya paket tim berbayar yang sedang berjalan untuk dibatalkan.",
      resume_refused: "Ditolak: tidak ada paket yang dibatalkan dan masih berjalan untuk dilanjutkan.",
      not_admin: "Ditolak: hanya pemilik atau admin organisasi ini yang mengelola paketnya.",
      too_few_seats:
        "Ditolak: anggota organisasi lebih banyak dari jumlah kursi ini. Beli lebih banyak kursi atau keluarkan anggota.",
      plan_unavailable: "Ditolak: paket tim ini tidak dijual lagi. Pilih paket lain.",
      change_scheduled: "Terjadwal: paket baru mulai bersama periode berikutnya.",
      change_withdrawn: "Dibatalkan: paket diperpanjang seperti sekarang.",
      change_refused:
        "Ditolak: tidak ada paket tim berbayar yang berjalan dan diperpanjang untuk diganti (atau paketnya sudah ini), atau tidak ada perubahan untuk dibatalkan.",
      change_too_few_seats:
        "Ditolak: anggota organisasi lebih banyak dari kursi paket itu. Pilih lebih banyak kursi atau keluarkan anggota.",
      stale_form: "Formulir ini kedaluwarsa. Silakan coba lagi.",
    },
  },
};
