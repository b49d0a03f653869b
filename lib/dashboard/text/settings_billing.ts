/**
 * The words of the Settings page's billing sections: automatic renewal, the renewal and trial days and double
 * payments (components/dashboard/LinkedMethodsSettings, BillingDaysSettings, DuplicateRefundSettings).
 */
import { catalogue } from "./catalogue.ts";

export const SETTINGS_BILLING_TEXT = catalogue({
  automaticRenewal: "Automatic renewal",
  automaticRenewalIntro:
    "A linked e-wallet is charged when a renewal is due; if that charge fails, the customer gets the usual pay-link mail and the grace period. Without a linked wallet, renewals are paid by the mailed link.",
  linkedMethods: "Linked methods",
  switchEnabled: "Customers may link OVO or DANA on their billing page, and renewals are charged to it",
  switchShopeepay: "Offer ShopeePay linking (only once Xendit has approved it for your account)",
  switchGopay: "Offer GoPay recurring linking (only once Xendit has approved it for your account)",
  switchDirectDebit:
    "Offer direct debit from BRI and Mandiri (only once Xendit has activated direct debit for your account)",
  switchCards:
    "Offer cards on file, charged as recurring (only once Xendit has activated cards for your account)",
  saveAutomaticRenewal: "Save automatic renewal",
  renewalsAndTrials: "Renewals and trials",
  daysIntro:
    "Whole days from 0 to 365; leave a field empty for the default. The next billing pass uses them.",
  graceDays: "Grace days",
  graceDaysHint:
    "Days an unpaid renewal keeps the plan (past due) before the user falls back to the default plan.",
  renewalNoticeDays: "Renewal notice days",
  renewalNoticeDaysHint:
    "Days before the period ends that the renewal pay link is mailed (or a linked method is charged).",
  trialReminderDays: "Trial reminder days",
  trialReminderDaysHint:
    "Days before a trial ends that its reminder with the pay link goes out (or a linked method is charged).",
  defaultDays: "{hint} Default {days}.",
  saveRenewalDays: "Save renewal days",
  doublePayments: "Double payments",
  doublePaymentsIntro:
    "A customer sometimes pays twice for the same thing (two methods tried, a late e-wallet approval): the second payment is recorded as paid again, with its own receipt, and buys nothing.",
  switchRefundDuplicates:
    "Refund a payment made twice in full automatically (reason DUPLICATE, the plan untouched); virtual accounts are still paid back by hand",
  saveDoublePayments: "Save double payments",
}, {
  automaticRenewal: "Perpanjangan otomatis",
  automaticRenewalIntro:
    "E-wallet tertaut ditagih saat perpanjangan jatuh tempo; bila tagihan itu gagal, pelanggan mendapat email tautan pembayaran seperti biasa dan masa tenggang. Tanpa e-wallet tertaut, perpanjangan dibayar lewat tautan di email.",
  linkedMethods: "Metode tertaut",
  switchEnabled:
    "Pelanggan boleh menautkan OVO atau DANA di halaman tagihannya, dan perpanjangan ditagihkan ke sana",
  switchShopeepay: "Tawarkan penautan ShopeePay (hanya setelah Xendit menyetujuinya untuk akun Anda)",
  switchGopay: "Tawarkan penautan GoPay berulang (hanya setelah Xendit menyetujuinya untuk akun Anda)",
  switchDirectDebit:
    "Tawarkan direct debit dari BRI dan Mandiri (hanya setelah Xendit mengaktifkan direct debit untuk akun Anda)",
  switchCards:
    "Tawarkan kartu tersimpan, ditagih berulang (hanya setelah Xendit mengaktifkan kartu untuk akun Anda)",
  saveAutomaticRenewal: "Simpan perpanjangan otomatis",
  renewalsAndTrials: "Perpanjangan dan uji coba",
  daysIntro:
    "Jumlah hari bulat dari 0 sampai 365; kosongkan isian untuk nilai bawaan. Proses tagihan berikutnya memakainya.",
  graceDays: "Hari masa tenggang",
  graceDaysHint:
    "Berapa hari perpanjangan yang belum dibayar tetap memegang paketnya (lewat jatuh tempo) sebelum pengguna kembali ke paket bawaan.",
  renewalNoticeDays: "Hari pemberitahuan perpanjangan",
  renewalNoticeDaysHint:
    "Berapa hari sebelum periode berakhir tautan pembayaran perpanjangan dikirim lewat email (atau metode tertaut ditagih).",
  trialReminderDays: "Hari pengingat uji coba",
  trialReminderDaysHint:
    "Berapa hari sebelum uji coba berakhir pengingat dengan tautan pembayaran dikirim (atau metode tertaut ditagih).",
  defaultDays: "{hint} Bawaan {days}.",
  saveRenewalDays: "Simpan hari perpanjangan",
  doublePayments: "Pembayaran ganda",
  doublePaymentsIntro:
    "Pelanggan kadang membayar dua kali untuk hal yang sama (dua metode dicoba, persetujuan e-wallet yang terlambat): pembayaran kedua dicatat sebagai dibayar lagi, dengan kuitansinya sendiri, dan tidak membeli apa pun.",
  switchRefundDuplicates:
    "Kembalikan penuh secara otomatis pembayaran yang dilakukan dua kali (alasan DUPLICATE, paket tidak diubah); virtual account tetap dikembalikan secara manual",
  saveDoublePayments: "Simpan pembayaran ganda",
});
