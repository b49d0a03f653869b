/**
 * The words of a project's members page (…/members): who administers it, the owner's invite and change forms and
 * the notices after them. Role names are the frame's (text/frame.ts).
 */
import { catalogue } from "./catalogue.ts";

export const MEMBERS_TEXT = catalogue({
  title: "Members",
  columnEmail: "Email",
  columnRole: "Role",
  columnStatus: "Status",
  columnChange: "Change",
  active: "active",
  invited: "invited",
  invite: "Invite a developer",
  email: "Email",
  role: "Role",
  viewerDoes: "reads everything, changes nothing",
  adminDoes: "settings and users",
  ownerDoes: "also the mode and members",
  inviteButton: "Invite",
  roleOf: "Role of {email}",
  changeRole: "Change role",
  remove: "Remove",
  // Notices after the forms.
  invitedNotice: "Invited: they join when they first sign in.",
  roleChanged: "Role changed.",
  removed: "Member removed.",
}, {
  title: "Anggota",
  columnEmail: "Email",
  columnRole: "Peran",
  columnStatus: "Status",
  columnChange: "Ubah",
  active: "aktif",
  invited: "diundang",
  invite: "Undang developer",
  email: "Email",
  role: "Peran",
  viewerDoes: "membaca semuanya, tidak mengubah apa pun",
  adminDoes: "pengaturan dan pengguna",
  ownerDoes: "juga mode dan anggota",
  inviteButton: "Undang",
  roleOf: "Peran {email}",
  changeRole: "Ubah peran",
  remove: "Hapus",
  invitedNotice: "Diundang: mereka bergabung saat pertama kali masuk.",
  roleChanged: "Peran diubah.",
  removed: "Anggota dihapus.",
});
