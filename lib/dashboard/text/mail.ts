/**
 * The words of a project's mail pages: the outbox (…/mail), the sandbox inbox (…/sandbox-inbox) and the phone
 * messages (…/phone-messages). Stored values (a mail's kind and status, a message's provider and status) show
 * as stored.
 */
import { catalogue } from "./catalogue.ts";

export const MAIL_TEXT = catalogue({
  title: "Mail",
  explained:
    "What Astapa sends your users in {mode} mode. Bodies are never shown here: they hold sign-in links.",
  readSandbox: "Read this sandbox project's mail, links included, in the {inbox}.",
  sandboxInboxLink: "sandbox inbox",
  phoneCodes: "Codes sent by WhatsApp and SMS are in {messages}.",
  phoneMessagesLink: "phone messages",
  queued:
    "Mail stays {queued}: this deployment has no {smtp}, so nothing is delivered. Set {smtp} (and {from}) on the server and restart; queued mail is then sent.",
  queuedWord: "queued",
  status: "Status",
  any: "any",
  filter: "Filter",
  noneOfStatus: "No {status} mail.",
  emptyTitle: "No mail yet",
  emptyMore: "Which mail the hosted login sends",
  emptyWhat:
    "Astapa mails your users their email confirmation and password reset links; each message shows here with whether it was delivered (never its content). A sign-up on the hosted login sends the first one.",
  columnTo: "To",
  columnKind: "Kind",
  columnLocale: "Locale",
  columnStatus: "Status",
  columnAttempts: "Attempts",
  columnLastError: "Last error",
  columnQueued: "Queued",
  columnSent: "Sent",
  older: "Older mail",
  // The sandbox inbox.
  inboxTitle: "Sandbox inbox",
  inboxProduction:
    "This project is in production: its mail goes to real people, so its links are not shown here. See {mail} for what was sent.",
  inboxExplained:
    "The newest mail of this sandbox project, as your test users get it: open a link to finish a sign-up or a password reset without a mail server.",
  inboxDelivered: "Mail that was delivered shows an erased body (links work once and are not kept).",
  inboxKept: "This deployment has no SMTP_URL, so mail stays here and is not delivered.",
  inboxEmpty:
    "Sign up on your app's hosted login (or ask for a password reset) and the mail appears here, its links ready to open.",
  to: "To {to}",
  delivered: " · delivered {when}",
  notDelivered: " · not delivered",
  // Phone messages.
  phoneTitle: "Phone messages",
  phoneExplained: "Sign-in codes sent by WhatsApp or SMS, newest first.",
  phoneSandbox:
    "This is a sandbox project: nothing is sent, and each code is shown here for your test users.",
  phoneProduction: "Codes themselves are never kept.",
  phoneLimits: "Limits and the daily budget: settings.phone (docs/phone.md).",
  phoneNone: "No messages yet.",
  columnWhen: "When",
  columnChannel: "Channel",
  columnProvider: "Provider",
  columnCost: "Cost",
  columnDetail: "Detail",
}, {
  title: "Email",
  explained:
    "Email yang dikirim Astapa ke pengguna Anda di mode {mode}. Isinya tidak pernah ditampilkan di sini: ada tautan masuk di dalamnya.",
  readSandbox: "Baca email proyek sandbox ini, termasuk tautannya, di {inbox}.",
  sandboxInboxLink: "kotak masuk sandbox",
  phoneCodes: "Kode yang dikirim lewat WhatsApp dan SMS ada di {messages}.",
  phoneMessagesLink: "pesan telepon",
  queued:
    "Email tetap {queued}: deployment ini tidak punya {smtp}, jadi tidak ada yang terkirim. Isi {smtp} (dan {from}) di server lalu mulai ulang; email yang mengantre lalu dikirim.",
  queuedWord: "mengantre",
  status: "Status",
  any: "semua",
  filter: "Saring",
  noneOfStatus: "Tidak ada email berstatus {status}.",
  emptyTitle: "Belum ada email",
  emptyMore: "Email apa saja yang dikirim hosted login",
  emptyWhat:
    "Astapa mengirimi pengguna Anda tautan konfirmasi email dan reset kata sandi; setiap pesan tampil di sini beserta apakah sudah terkirim (tidak pernah isinya). Pendaftaran di hosted login mengirim yang pertama.",
  columnTo: "Kepada",
  columnKind: "Jenis",
  columnLocale: "Bahasa",
  columnStatus: "Status",
  columnAttempts: "Percobaan",
  columnLastError: "Galat terakhir",
  columnQueued: "Diantrekan",
  columnSent: "Terkirim",
  older: "Email sebelumnya",
  inboxTitle: "Kotak masuk sandbox",
  inboxProduction:
    "Proyek ini di production: emailnya sampai ke orang sungguhan, jadi tautannya tidak ditampilkan di sini. Lihat {mail} untuk apa yang sudah dikirim.",
  inboxExplained:
    "Email terbaru proyek sandbox ini, seperti yang diterima pengguna uji Anda: buka tautannya untuk menyelesaikan pendaftaran atau reset kata sandi tanpa server email.",
  inboxDelivered:
    "Email yang sudah terkirim tampil dengan isi yang dihapus (tautan hanya berlaku sekali dan tidak disimpan).",
  inboxKept: "Deployment ini tidak punya SMTP_URL, jadi email tetap di sini dan tidak dikirim.",
  inboxEmpty:
    "Daftar lewat hosted login aplikasi Anda (atau minta reset kata sandi) dan emailnya muncul di sini, tautannya siap dibuka.",
  to: "Kepada {to}",
  delivered: " · terkirim {when}",
  notDelivered: " · belum terkirim",
  phoneTitle: "Pesan telepon",
  phoneExplained: "Kode masuk yang dikirim lewat WhatsApp atau SMS, terbaru di atas.",
  phoneSandbox:
    "Ini proyek sandbox: tidak ada yang dikirim, dan setiap kode ditampilkan di sini untuk pengguna uji Anda.",
  phoneProduction: "Kodenya sendiri tidak pernah disimpan.",
  phoneLimits: "Batas dan anggaran harian: settings.phone (docs/phone.md).",
  phoneNone: "Belum ada pesan.",
  columnWhen: "Waktu",
  columnChannel: "Kanal",
  columnProvider: "Penyedia",
  columnCost: "Biaya",
  columnDetail: "Detail",
});
