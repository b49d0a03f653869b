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
};

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
  },
};
