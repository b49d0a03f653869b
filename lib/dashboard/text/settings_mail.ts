/**
 * The words of the Settings page's Mail section (components/dashboard/MailSettings.tsx) and of its mail preview
 * (…/settings/mail-preview), with what each kind of mail is in Indonesian (the English is the registry's own,
 * lib/mail/own_texts.ts).
 */
import type { MailTextKind } from "@/lib/mail/own_texts.ts";
import { catalogue } from "./catalogue.ts";

export const SETTINGS_MAIL_TEXT = catalogue({
  mail: "Mail",
  explained:
    "How each mail to your users reads. Leave a field empty for Astapa's wording. Placeholders such as {example} are replaced by their value as plain text; the link or code, and the note on how long it works and what to do if the person did not ask, are always Astapa's and cannot be removed.",
  senderName: "Sender name",
  senderNamePlaceholder: "The deployment's (MAIL_FROM)",
  fromAddress: "From address",
  fromAddressHint:
    "Empty: the deployment's address. Otherwise an address at {domains}: the domains whose SPF and DKIM let this deployment's mail server send for them (MAIL_FROM_DOMAINS). Any other domain would land in spam or be refused.",
  placeholders: "Placeholders: {list} · Preview: {links}",
  partSubject: "Subject",
  partIntro: "Intro",
  partClosing: "Closing line",
  saveMail: "Save mail",
  // The preview page.
  previewTitle: "Mail preview",
  previewMail: "Mail",
  previewLanguage: "Language",
  show: "Show",
  previewExplained:
    "As it would go now, with sample values (code 123456, passkey “Laptop”…). The link or code and the note on what to do if the person did not ask stay Astapa's; your subject, intro and closing line are edited under {settings}.",
  settingsMail: "Settings → Mail",
  textPart: "Text part",
  htmlPart: "HTML part",
  htmlFrame: "The HTML part of the mail",
  plainOnly: "This mail is sent as plain text only.",
  sendTest: "Send me a test",
  sendsTo: "To {email}, through this project's outbox{inbox}.",
  inSandboxInbox: " (it shows in the {inbox})",
  sandboxInbox: "sandbox inbox",
  testSent: "A test of this mail was sent to {email}.",
}, {
  mail: "Email",
  explained:
    "Isi setiap email ke pengguna Anda. Biarkan kolom kosong untuk memakai kata-kata Astapa. Placeholder seperti {example} diganti dengan nilainya sebagai teks biasa; tautan atau kode, serta catatan berapa lama berlakunya dan apa yang harus dilakukan jika orang itu tidak memintanya, selalu dari Astapa dan tidak bisa dihapus.",
  senderName: "Nama pengirim",
  senderNamePlaceholder: "Milik deployment (MAIL_FROM)",
  fromAddress: "Alamat pengirim",
  fromAddressHint:
    "Kosong: alamat milik deployment. Selain itu, alamat di {domains}: domain yang SPF dan DKIM-nya mengizinkan server email deployment ini mengirim atas namanya (MAIL_FROM_DOMAINS). Domain lain akan masuk spam atau ditolak.",
  placeholders: "Placeholder: {list} · Pratinjau: {links}",
  partSubject: "Subjek",
  partIntro: "Pembuka",
  partClosing: "Kalimat penutup",
  saveMail: "Simpan email",
  previewTitle: "Pratinjau email",
  previewMail: "Email",
  previewLanguage: "Bahasa",
  show: "Tampilkan",
  previewExplained:
    "Seperti yang akan terkirim sekarang, dengan nilai contoh (kode 123456, passkey “Laptop”…). Tautan atau kode dan catatan tentang apa yang harus dilakukan jika orang itu tidak memintanya tetap dari Astapa; subjek, pembuka, dan kalimat penutup Anda diubah di {settings}.",
  settingsMail: "Pengaturan → Email",
  textPart: "Bagian teks",
  htmlPart: "Bagian HTML",
  htmlFrame: "Bagian HTML email",
  plainOnly: "Email ini dikirim sebagai teks biasa saja.",
  sendTest: "Kirimi saya email uji",
  sendsTo: "Ke {email}, lewat kotak keluar proyek ini{inbox}.",
  inSandboxInbox: " (tampil di {inbox})",
  sandboxInbox: "kotak masuk sandbox",
  testSent: "Email uji ini dikirim ke {email}.",
});

/** What each mail is, in Indonesian (the English is MAIL_TEXT_KINDS' `about`). */
export const MAIL_KIND_ABOUT_ID: Record<MailTextKind, string> = {
  verify_email: "Tautan konfirmasi email setelah pendaftaran",
  reset_password: "Tautan reset kata sandi",
  email_code: "Kode masuk dan magic link",
  passkey_sign_up: "Kode yang membuktikan alamat saat mendaftar dengan passkey",
  account_claimed: "Pemberitahuan bahwa akun yang belum dikonfirmasi diambil alih lewat alamatnya",
  recovery_code_used: "Sebuah kode pemulihan dipakai untuk masuk",
  mfa_removed: "Administrator menghapus verifikasi dua langkah orang itu",
  recovery_codes_regenerated: "Kode pemulihan baru dibuat",
  own_mfa_removed: "Orang itu menghapus aplikasi autentikatornya sendiri",
  passkey_removed: "Orang itu menghapus salah satu passkey-nya",
  passkey_removed_by_admin: "Administrator menghapus sebuah passkey",
  organization_invitation: "Undangan bergabung ke organisasi",
  waitlist_approved: "Persetujuan daftar tunggu: orang itu kini boleh mendaftar",
  email_change: "Tautan yang mengonfirmasi alamat email baru (halaman akun)",
  email_changed: "Pemberitahuan ke alamat lama setelah email berubah",
  password_changed: "Kata sandi diubah atau dibuat",
  identity_unlinked: "Cara masuk Google, GitHub, atau Apple dihapus",
  account_deleted: "Akun dihapus atas permintaan orang itu",
  renewal_due:
    "Pemberitahuan perpanjangan dengan tautan bayar periode berikutnya (dua bahasa dalam satu email)",
  trial_ending:
    "Pengingat masa uji coba dengan tautan bayar yang mempertahankan paket (dua bahasa dalam satu email)",
  organization_renewal_due:
    "Pemberitahuan perpanjangan paket tim kepada pemilik dan admin-nya (dua bahasa dalam satu email)",
  receipt: "Kuitansi setelah pembayaran, dengan jumlah dan PPN-nya (dua bahasa dalam satu email)",
};
