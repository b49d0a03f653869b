/** The words of the deployment's signing-keys page (/dashboard/keys, its owner only). */
import { catalogue } from "./catalogue.ts";

export const KEYS_TEXT = catalogue({
  title: "Signing keys",
  explained:
    "Every project's tokens are signed with the deployment's active key. Apps verify them against the JWKS:",
  copy: "Copy",
  columnKid: "Key id",
  columnState: "State",
  columnCreated: "Created",
  columnActivated: "Activated",
  columnRetired: "Retired",
  stateNext: "next",
  stateActive: "active",
  stateRetired: "retired",
  rotateNow: "Rotate now",
  rotateExplained:
    "The next key (already published) starts signing; the active key retires but stays published for a day, so tokens it signed keep verifying. A new next key is published.",
  confirm: "Rotate the deployment's signing keys",
  rotate: "Rotate signing keys",
  confirmMissing: "Tick the box to confirm the rotation.",
  rotated:
    "Rotated: the next key signs now and a new next key is published. Running servers switch within a minute.",
}, {
  title: "Kunci penandatanganan",
  explained:
    "Token semua proyek ditandatangani dengan kunci aktif deployment. Aplikasi memverifikasinya terhadap JWKS:",
  copy: "Salin",
  columnKid: "Key ID",
  columnState: "Keadaan",
  columnCreated: "Dibuat",
  columnActivated: "Diaktifkan",
  columnRetired: "Dipensiunkan",
  stateNext: "berikutnya",
  stateActive: "aktif",
  stateRetired: "pensiun",
  rotateNow: "Rotasi sekarang",
  rotateExplained:
    "Kunci berikutnya (sudah dipublikasikan) mulai menandatangani; kunci aktif pensiun tetapi tetap dipublikasikan selama sehari, jadi token yang ditandatanganinya tetap terverifikasi. Kunci berikutnya yang baru dipublikasikan.",
  confirm: "Rotasi kunci penandatanganan deployment",
  rotate: "Rotasi kunci penandatanganan",
  confirmMissing: "Centang kotaknya untuk mengonfirmasi rotasi.",
  rotated:
    "Dirotasi: kunci berikutnya kini menandatangani dan kunci berikutnya yang baru dipublikasikan. Server yang berjalan beralih dalam satu menit.",
});
