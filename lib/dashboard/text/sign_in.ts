/** The words of the dashboard's own sign-in page (shown when the hosted login cannot be reached from here). */
import { catalogue } from "./catalogue.ts";

export const SIGN_IN_TEXT = catalogue({
  title: "Dashboard sign-in unavailable",
  eyebrow: "Dashboard",
  heading: "Sign-in is not available on this address",
  why:
    "Developers sign in through this deployment's own hosted login, which may only send people back to an https address, or to http on localhost. {baseUrl} is neither.",
  fix: "Set {variable} to the https address people use (or run on localhost) and restart Astapa.",
}, {
  title: "Masuk ke dasbor tidak tersedia",
  eyebrow: "Dasbor",
  heading: "Masuk tidak tersedia di alamat ini",
  why:
    "Developer masuk lewat hosted login milik deployment ini, yang hanya boleh mengembalikan orang ke alamat https, atau ke http di localhost. {baseUrl} bukan keduanya.",
  fix:
    "Atur {variable} ke alamat https yang dipakai orang (atau jalankan di localhost), lalu mulai ulang Astapa.",
});
