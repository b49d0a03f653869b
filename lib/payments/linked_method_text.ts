/** The portal's "Automatic renewal" section (linked e-wallets) in English and Bahasa Indonesia. */
import type { Lang } from "../login/i18n.ts";

const en = {
  title: "Automatic renewal",
  intro:
    "Link an e-wallet and each renewal is charged to it. If a charge fails, you get the pay link by email.",
  none: "No e-wallet is linked: renewals come as pay links by email.",
  waiting: "waiting for your approval in the app",
  active: "linked",
  unlink: "Unlink",
  link: (channel: string) => `Link ${channel}`,
  mobile: "Mobile number (OVO)",
  mobileHint: "The number of your OVO account, e.g. 0812 3456 7890.",
};
export type LinkedMethodText = typeof en;

const id: LinkedMethodText = {
  title: "Perpanjangan otomatis",
  intro:
    "Tautkan e-wallet dan setiap perpanjangan ditagihkan ke sana. Jika penagihan gagal, tautan bayar dikirim lewat email.",
  none: "Belum ada e-wallet yang tertaut: perpanjangan dikirim sebagai tautan bayar lewat email.",
  waiting: "menunggu persetujuan Anda di aplikasinya",
  active: "tertaut",
  unlink: "Lepaskan",
  link: (channel: string) => `Tautkan ${channel}`,
  mobile: "Nomor ponsel (OVO)",
  mobileHint: "Nomor akun OVO Anda, misalnya 0812 3456 7890.",
};

export const LINKED_METHOD_TEXT: Record<Lang, LinkedMethodText> = { en, id };

/** What the customer sees for a channel code (GOPAY is GoPay's recurring linking). */
export const CHANNEL_NAMES: Record<string, string> = {
  OVO: "OVO",
  DANA: "DANA",
  SHOPEEPAY: "ShopeePay",
  GOPAY: "GoPay",
};
