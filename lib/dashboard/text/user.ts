/**
 * The words of one user's page (…/users/:sub): its account facts, plan, token claims, second factor, and the
 * notices after its forms. The page's other sections (sign-in methods, sessions, passkeys, consents, billing,
 * metadata, audit, profile form, deletion) are still English only: see docs/dashboard.md.
 */
import { catalogue } from "./catalogue.ts";

export const USER_TEXT = catalogue({
  guestTitle: "Guest {id}",
  account: "Account",
  environment: "Environment",
  guest: "Guest",
  guestExplained:
    "Signed in anonymously: no email, phone nor password yet (docs/anonymous-users.md). Deleted after the project's days without a token refresh, unless they have a subscription or a checkout.",
  email: "Email",
  phone: "Phone",
  none: "none",
  verified: "verified",
  notVerified: "not verified",
  status: "Status",
  disabled: "disabled",
  active: "active",
  created: "Created",
  lastSignIn: "Last sign-in",
  never: "never",
  accountPage:
    "What this user sees of their account: {link} (they sign in to it themselves; the app links to it with the SDK's {accountUrl}).",
  accountPageLink: "the account page",
  enableUser: "Enable this user",
  disableUser: "Disable this user",
  plan: "Plan",
  tokensSay: "Tokens say {claim}",
  since: "({status}, since {date})",
  assignPlan: "Assign a plan",
  assign: "Assign",
  columnPlan: "Plan",
  columnStatus: "Status",
  columnSource: "Source",
  columnFrom: "From",
  columnEnded: "Ended",
  tokenClaims: "Token claims",
  disabledNoTokens: "Disabled users get no tokens.",
  // The second factor.
  secondFactor: "Second factor",
  authenticatorApp: "Authenticator app",
  setUpOn: "set up {date}",
  recoveryCodesLeft: "Recovery codes left",
  recoveryCodesOf: "{left} of 10",
  phoneCodes: "Phone codes",
  onSince: "on since {date}",
  phoneNotUsed: " — not used now (no verified number, or the project has phone codes off)",
  passkey: "Passkey",
  passkeyCounts: "counts as a second factor (see Passkeys)",
  noSecondFactor: "No second factor is set up.",
  resetExplained:
    "Resetting removes the authenticator app, phone codes and the recovery codes, and mails the user. Do it only after checking who is asking: it lets someone with the password alone sign in where the factor is optional.",
  resetSecondFactor: "Reset second factor",
  // `?done=` notices after the page's forms.
  planAssigned: "Plan assigned: the user's next token carries it.",
  userDisabled: "User disabled: they cannot sign in or refresh tokens.",
  userEnabled: "User enabled again.",
  profileSaved: "Profile saved: the user's next ID token and userinfo carry it (with the profile scope).",
  emailSaved: "Address saved. A new address's links and codes sent to the old one no longer work.",
  claimsSaved: "Claims saved: the user's next token carries them.",
  metadataSaved: "Metadata saved. It stays with your backend: no token carries it.",
  identityUnlinked: "Sign-in method removed.",
  passwordResetSent:
    "Reset link mailed to the user's address: it works once, for 1 hour, and opens your app's sign-in first.",
  signedOut:
    "Signed out everywhere: every session ended, every refresh token revoked, every unused sign-in code voided.",
  sessionEnded:
    "Session ended: that browser is signed out and its apps' refresh tokens revoked (offline ones kept).",
  factorsReset:
    "Second factor reset: the user was mailed, and sets up a new one at their next sign-in if required.",
  factorsResetUnmailed:
    "Second factor reset: the user has no email address to tell, and sets up a new one at their next sign-in if required.",
  factorsNone: "The user had no second factor to reset.",
  subscriptionCanceled: "Subscription canceled: the plan stays until the end of the paid period.",
  subscriptionResumed: "Subscription resumed: it renews again.",
  trialStarted: "Trial started: the user has the plan until the trial ends, and is reminded to pay before.",
  methodUnlinked: "E-wallet unlinked: it is never charged again; renewals go back to the pay-link mail.",
  consentRevoked: "Consent revoked: the app's refresh tokens for that resource ended; it must ask again.",
  passkeyRemoved:
    "Passkey removed: it no longer signs the user in. The user was mailed and can add a new one.",
  passkeyRemovedUnmailed:
    "Passkey removed: it no longer signs the user in. The user has no email address to tell.",
}, {
  guestTitle: "Tamu {id}",
  account: "Akun",
  environment: "Lingkungan",
  guest: "Tamu",
  guestExplained:
    "Masuk secara anonim: belum punya email, telepon, maupun kata sandi (docs/anonymous-users.md). Dihapus setelah jumlah hari proyek tanpa refresh token, kecuali punya langganan atau checkout.",
  email: "Email",
  phone: "Telepon",
  none: "tidak ada",
  verified: "terverifikasi",
  notVerified: "belum terverifikasi",
  status: "Status",
  disabled: "dinonaktifkan",
  active: "aktif",
  created: "Dibuat",
  lastSignIn: "Terakhir masuk",
  never: "belum pernah",
  accountPage:
    "Yang dilihat pengguna ini tentang akunnya: {link} (mereka masuk sendiri ke sana; aplikasi menautkannya dengan {accountUrl} dari SDK).",
  accountPageLink: "halaman akun",
  enableUser: "Aktifkan pengguna ini",
  disableUser: "Nonaktifkan pengguna ini",
  plan: "Paket",
  tokensSay: "Token berisi {claim}",
  since: "({status}, sejak {date})",
  assignPlan: "Tetapkan paket",
  assign: "Tetapkan",
  columnPlan: "Paket",
  columnStatus: "Status",
  columnSource: "Sumber",
  columnFrom: "Mulai",
  columnEnded: "Berakhir",
  tokenClaims: "Klaim token",
  disabledNoTokens: "Pengguna yang dinonaktifkan tidak mendapat token.",
  secondFactor: "Faktor kedua",
  authenticatorApp: "Aplikasi autentikator",
  setUpOn: "dipasang {date}",
  recoveryCodesLeft: "Sisa kode pemulihan",
  recoveryCodesOf: "{left} dari 10",
  phoneCodes: "Kode via telepon",
  onSince: "aktif sejak {date}",
  phoneNotUsed:
    " — tidak dipakai sekarang (tidak ada nomor terverifikasi, atau kode telepon proyek dimatikan)",
  passkey: "Passkey",
  passkeyCounts: "dihitung sebagai faktor kedua (lihat Passkey)",
  noSecondFactor: "Belum ada faktor kedua yang dipasang.",
  resetExplained:
    "Reset menghapus aplikasi autentikator, kode via telepon, dan kode pemulihan, lalu mengirim email ke pengguna. Lakukan hanya setelah memastikan siapa yang meminta: reset membuat orang yang hanya tahu kata sandinya bisa masuk di tempat faktor kedua bersifat opsional.",
  resetSecondFactor: "Reset faktor kedua",
  planAssigned: "Paket ditetapkan: token pengguna berikutnya membawanya.",
  userDisabled: "Pengguna dinonaktifkan: tidak dapat masuk atau me-refresh token.",
  userEnabled: "Pengguna diaktifkan lagi.",
  profileSaved:
    "Profil disimpan: ID token dan userinfo pengguna berikutnya membawanya (dengan scope profile).",
  emailSaved:
    "Alamat disimpan. Tautan dan kode untuk alamat baru yang dikirim ke alamat lama tidak berlaku lagi.",
  claimsSaved: "Klaim disimpan: token pengguna berikutnya membawanya.",
  metadataSaved: "Metadata disimpan. Tetap di backend Anda: tidak ada token yang membawanya.",
  identityUnlinked: "Metode masuk dihapus.",
  passwordResetSent:
    "Tautan reset dikirim ke alamat pengguna: berlaku sekali, selama 1 jam, dan membuka halaman masuk aplikasi Anda dulu.",
  signedOut:
    "Dikeluarkan dari semua tempat: semua sesi diakhiri, semua refresh token dicabut, semua kode masuk yang belum dipakai dibatalkan.",
  sessionEnded:
    "Sesi diakhiri: browser itu dikeluarkan dan refresh token aplikasinya dicabut (yang offline tetap).",
  factorsReset:
    "Faktor kedua direset: pengguna dikirimi email, dan memasang yang baru saat masuk berikutnya jika diwajibkan.",
  factorsResetUnmailed:
    "Faktor kedua direset: pengguna tidak punya alamat email untuk diberi tahu, dan memasang yang baru saat masuk berikutnya jika diwajibkan.",
  factorsNone: "Pengguna tidak punya faktor kedua untuk direset.",
  subscriptionCanceled: "Langganan dibatalkan: paket tetap berlaku sampai akhir periode yang sudah dibayar.",
  subscriptionResumed: "Langganan dilanjutkan: akan diperpanjang lagi.",
  trialStarted:
    "Masa uji coba dimulai: pengguna memakai paket sampai uji coba berakhir, dan diingatkan untuk membayar sebelumnya.",
  methodUnlinked:
    "E-wallet dilepas: tidak akan ditagih lagi; perpanjangan kembali lewat email tautan pembayaran.",
  consentRevoked:
    "Izin dicabut: refresh token aplikasi untuk resource itu berakhir; aplikasi harus meminta lagi.",
  passkeyRemoved:
    "Passkey dihapus: tidak lagi memasukkan pengguna. Pengguna dikirimi email dan dapat menambah yang baru.",
  passkeyRemovedUnmailed:
    "Passkey dihapus: tidak lagi memasukkan pengguna. Pengguna tidak punya alamat email untuk diberi tahu.",
});
