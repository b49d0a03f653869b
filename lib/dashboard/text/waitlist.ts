/** The words of a project's sign-up waitlist page (…/waitlist) and its notices. */
import { catalogue } from "./catalogue.ts";

export const WAITLIST_TEXT = catalogue({
  title: "Waitlist",
  active:
    "Sign-ups go through this waitlist: only an address you approve may create an account. Approving emails it the sign-up link.",
  inactive: "Sign-ups do not go through a waitlist now (Settings → Sign-ups); the list is kept.",
  statusNav: "Status",
  waiting: "Waiting",
  approved: "Approved",
  declined: "Declined",
  noneWaiting: "No waiting addresses in {mode}.",
  noneApproved: "No approved addresses in {mode}.",
  noneDeclined: "No declined addresses in {mode}.",
  columnEmail: "Email",
  columnJoined: "Joined",
  columnStatus: "Status",
  columnDecide: "Decide",
  statusWaiting: "waiting",
  statusApproved: "approved",
  statusDeclined: "declined",
  approve: "Approve",
  decline: "Decline",
  nextPage: "Next page",
  approvedNotice:
    "Approved: the address may sign up now. We emailed it the sign-up link (to your first redirect URI).",
  declinedNotice: "Declined: the address cannot sign up. Nothing was emailed.",
}, {
  title: "Daftar tunggu",
  active:
    "Pendaftaran lewat daftar tunggu ini: hanya alamat yang Anda setujui yang boleh membuat akun. Menyetujui akan mengirim tautan pendaftaran ke alamat itu.",
  inactive:
    "Pendaftaran tidak lewat daftar tunggu sekarang (Pengaturan → Pendaftaran); daftarnya tetap disimpan.",
  statusNav: "Status",
  waiting: "Menunggu",
  approved: "Disetujui",
  declined: "Ditolak",
  noneWaiting: "Tidak ada alamat yang menunggu di {mode}.",
  noneApproved: "Tidak ada alamat yang disetujui di {mode}.",
  noneDeclined: "Tidak ada alamat yang ditolak di {mode}.",
  columnEmail: "Email",
  columnJoined: "Bergabung",
  columnStatus: "Status",
  columnDecide: "Putuskan",
  statusWaiting: "menunggu",
  statusApproved: "disetujui",
  statusDeclined: "ditolak",
  approve: "Setujui",
  decline: "Tolak",
  nextPage: "Halaman berikutnya",
  approvedNotice:
    "Disetujui: alamat ini boleh mendaftar sekarang. Kami mengirim tautan pendaftaran ke alamat itu (ke redirect URI pertama Anda).",
  declinedNotice: "Ditolak: alamat ini tidak dapat mendaftar. Tidak ada email yang dikirim.",
});
