/** The words of the Settings page's project deletion (DeleteProject in components/dashboard/SettingsSecrets.tsx). */
import { catalogue } from "./catalogue.ts";

export const PROJECT_DELETION_TEXT = catalogue({
  title: "Delete project",
  console: "This is the console project: it signs developers in and cannot be deleted.",
  explained:
    "The client credentials stop working at once, every refresh token and sign-in session ends, subscriptions stop renewing and the project leaves every member's dashboard. Users, payments and the audit log are kept for your records. A production project that has taken live payments must be switched back to sandbox first.",
  confirm: "Type the project name, {name}, to delete it",
  deleteButton: "Delete this project",
  ownersOnly: "Only the project's owners can delete it.",
}, {
  title: "Hapus proyek",
  console: "Ini proyek konsol: proyek ini memasukkan para developer dan tidak bisa dihapus.",
  explained:
    "Kredensial client langsung berhenti berfungsi, semua refresh token dan sesi masuk berakhir, langganan berhenti diperpanjang, dan proyek hilang dari dashboard setiap anggota. Pengguna, pembayaran, dan log audit tetap disimpan untuk catatan Anda. Proyek production yang sudah menerima pembayaran sungguhan harus dikembalikan ke sandbox lebih dulu.",
  confirm: "Ketik nama proyek, {name}, untuk menghapusnya",
  deleteButton: "Hapus proyek ini",
  ownersOnly: "Hanya pemilik proyek yang bisa menghapusnya.",
});
