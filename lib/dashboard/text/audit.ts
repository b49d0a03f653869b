/**
 * The words of a project's audit log page (…/audit): its filters, empty states and paging. The table's columns
 * are the user page's (text/user_access.ts), drawn by components/dashboard/AuditTable.tsx.
 */
import { catalogue } from "./catalogue.ts";

export const AUDIT_TEXT = catalogue({
  title: "Audit log",
  otherMode: "Entries about the other mode's users are not shown ({mode} mode now).",
  action: "Action",
  actionPlaceholder: "user.create or user.",
  actor: "Actor",
  actorPlaceholder: "email, account:12, cli, app",
  user: "User (sub)",
  filter: "Filter",
  noMatch: "No entries match.",
  emptyTitle: "Nothing recorded yet",
  emptyAction: "Add a redirect URI",
  emptyMore: "What is audited",
  emptyWhat:
    "Every change to this project — by a developer here, the CLI or your app through the API — is recorded here with who made it. Set the project up (its redirect URIs first) and the entries start.",
  older: "Older entries",
}, {
  title: "Log audit",
  otherMode: "Entri tentang pengguna mode lain tidak ditampilkan (sekarang mode {mode}).",
  action: "Tindakan",
  actionPlaceholder: "user.create atau user.",
  actor: "Pelaku",
  actorPlaceholder: "email, account:12, cli, app",
  user: "Pengguna (sub)",
  filter: "Saring",
  noMatch: "Tidak ada entri yang cocok.",
  emptyTitle: "Belum ada yang tercatat",
  emptyAction: "Tambah redirect URI",
  emptyMore: "Apa saja yang diaudit",
  emptyWhat:
    "Setiap perubahan pada proyek ini — oleh developer di sini, CLI, atau aplikasi Anda lewat API — dicatat di sini beserta siapa yang membuatnya. Siapkan proyeknya (redirect URI dulu) dan entrinya mulai muncul.",
  older: "Entri sebelumnya",
});
