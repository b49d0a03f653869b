/** The hosted pages in English and Bahasa Indonesia: ?lang= wins, then Accept-Language, then English. */
import type { Context } from "hono";

export const LANGUAGES = ["en", "id"] as const;
export type Lang = typeof LANGUAGES[number];

const en = {
  signInTitle: "Sign in",
  signInTo: "Sign in to continue to",
  signUpTitle: "Create your account",
  signUpTo: "Create an account for",
  email: "Email",
  password: "Password",
  passwordHint: "At least 8 characters.",
  signIn: "Sign in",
  signUp: "Create account",
  noAccount: "New here?",
  haveAccount: "Already have an account?",
  createOne: "Create an account",
  signInInstead: "Sign in",
  wrongCredentials: "That email and password do not match an account.",
  tooMany: "Too many attempts. Try again in {wait}.",
  emailTaken: "An account with this email already exists. Sign in instead.",
  invalidEmail: "Enter a valid email address.",
  weakPassword: "Use at least 8 characters.",
  commonPassword: "That password is one of the most common ones. Choose another.",
  checkEmail: "Check your email: we sent a link to confirm your address. Open it, then sign in.",
  verifyFirst: "Confirm your email address first: open the link we sent you.",
  resend: "Send the link again",
  linkResent: "We sent a new link. It can take a minute to arrive; you can ask for another in {wait}.",
  resendTooSoon: "A link was sent moments ago. You can ask for another in {wait}.",
  showPassword: "Show password",
  hidePassword: "Hide password",
  signInAgain: "Sign in again",
  continueTo: "Continue to sign in",
  strength0: "",
  strength1: "Too short",
  strength2: "Good",
  strength3: "Strong",
  mfaTitle: "Two-step verification",
  mfaFor: "Confirm it is you for",
  mfaIntro: "Enter the 6-digit code from your authenticator app.",
  mfaCode: "Authentication code",
  mfaVerify: "Verify",
  mfaRemember: "Remember this browser for {days} days",
  mfaUseRecovery: "Use a recovery code instead",
  mfaUseApp: "Use your authenticator app instead",
  mfaRecoveryIntro:
    "Enter one of the recovery codes you saved when you set up your authenticator app. Each works once.",
  mfaRecoveryCode: "Recovery code",
  mfaWrongCode: "That code did not work. Check it and try again.",
  mfaExpired: "This sign-in step has expired. Sign in again.",
  enrolTitle: "Set up two-step verification",
  enrolFor: "Protect your account for",
  enrolIntro:
    "Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, Authy, 1Password), then enter the 6-digit code it shows.",
  enrolKey: "Cannot scan it? Enter this key in the app:",
  enrolQrAlt: "QR code to add this account to an authenticator app",
  enrolConfirm: "Turn on",
  codesTitle: "Save your recovery codes",
  codesIntro:
    "If you lose your phone, each of these codes signs you in once. Keep them somewhere safe: they will not be shown again.",
  codesDownload: "Download the codes",
  codesContinue: "I have saved them — continue",
  manageTitle: "Manage two-step verification",
  manageFor: "Your account at",
  manageIntro:
    "To change your two-step verification, confirm it is you: enter a code from your authenticator app or one of your recovery codes.",
  manageCode: "Code from your app, or a recovery code",
  manageRegenerate: "Make new recovery codes",
  manageRemove: "Remove the authenticator app",
  manageRegenerated:
    "Your old recovery codes no longer work. Save these new ones: they will not be shown again.",
  manageRemoved:
    "The authenticator app and your recovery codes were removed. Sign-ins no longer ask for a code unless the app requires one.",
  manageNone: "No authenticator app is set up for your account.",
  manageSetUp: "Set up an authenticator app",
  manageSignedOut: "Sign in first to manage your two-step verification.",
  manageBack: "Back to the app",
  staleForm: "This form expired. Please try again.",
  language: "Bahasa Indonesia",
  signedOut: "You are signed out.",
  signOutTitle: "Sign out?",
  signOutOf: "Signing out of",
  signOutBody: "This ends your session in this browser. You will need to sign in again next time.",
  signOut: "Sign out",
  forgot: "Forgot your password?",
  forgotTitle: "Reset your password",
  forgotFor: "Reset your password for",
  forgotIntro: "Enter your email and we will send you a link to choose a new password.",
  sendLink: "Send the link",
  linkSent: "If an account uses that email, a reset link is on its way. It works for one hour.",
  resetTitle: "Choose a new password",
  newPassword: "New password",
  setPassword: "Save and sign in",
  verifiedTitle: "Email confirmed",
  verifiedFor: "Thank you —",
  verifiedBody: "Your email address is confirmed. You can close this tab.",
  linkExpired: "This link is unknown, already used or expired. Ask for a new one.",
  requestNewLink: "Send me a new link",
  continueWithGoogle: "Continue with Google",
  continueWithGithub: "Continue with GitHub",
  orUseEmail: "or use your email",
  socialTitle: "Sign-in did not finish",
  socialFor: "Signing in to",
  backToSignIn: "Back to sign in",
  socialDenied: "You cancelled the sign-in or did not allow access. Nothing was shared.",
  socialStale: "This sign-in attempt expired or was started in another browser or tab. Please start again.",
  socialFailed: "The provider could not confirm who you are. Please try again.",
  socialNoEmail: "The provider did not share a verified email address, which this app needs to sign you in.",
  socialNotLinked:
    "An account with this email already exists, but the email is not verified on both sides, so we did not link them. Sign in with your password instead.",
  socialAccountDisabled: "This account is disabled.",
  wantsAccess: "wants to access",
  unverifiedClient:
    "This app registered itself: its name is its own claim, not checked by the project. Continue only if you started this from an app you trust.",
  clientFromHost: "This app is published at",
  clientHostVerified:
    "Its name is its own claim; the address is the one thing checked. Continue only if you trust it.",
  consentTitle: "Allow access",
  consentSignedIn: "You are signed in to",
  allow: "Allow",
  deny: "Deny",
};
type Messages = typeof en;

const id: Messages = {
  signInTitle: "Masuk",
  signInTo: "Masuk untuk melanjutkan ke",
  signUpTitle: "Buat akun Anda",
  signUpTo: "Buat akun untuk",
  email: "Email",
  password: "Kata sandi",
  passwordHint: "Minimal 8 karakter.",
  signIn: "Masuk",
  signUp: "Buat akun",
  noAccount: "Baru di sini?",
  haveAccount: "Sudah punya akun?",
  createOne: "Buat akun",
  signInInstead: "Masuk",
  wrongCredentials: "Email dan kata sandi tidak cocok dengan akun mana pun.",
  tooMany: "Terlalu banyak percobaan. Coba lagi dalam {wait}.",
  emailTaken: "Akun dengan email ini sudah ada. Silakan masuk.",
  invalidEmail: "Masukkan alamat email yang valid.",
  weakPassword: "Gunakan minimal 8 karakter.",
  commonPassword: "Kata sandi itu termasuk yang paling umum. Pilih yang lain.",
  checkEmail: "Periksa email Anda: kami mengirim tautan untuk mengonfirmasi alamat Anda. Buka, lalu masuk.",
  verifyFirst: "Konfirmasi alamat email Anda dulu: buka tautan yang kami kirim.",
  resend: "Kirim tautan lagi",
  linkResent:
    "Kami sudah mengirim tautan baru. Mungkin perlu semenit untuk sampai; Anda bisa meminta lagi dalam {wait}.",
  resendTooSoon: "Tautan baru saja dikirim. Anda bisa meminta lagi dalam {wait}.",
  showPassword: "Tampilkan kata sandi",
  hidePassword: "Sembunyikan kata sandi",
  signInAgain: "Masuk lagi",
  continueTo: "Lanjut masuk",
  strength0: "",
  strength1: "Terlalu pendek",
  strength2: "Baik",
  strength3: "Kuat",
  mfaTitle: "Verifikasi dua langkah",
  mfaFor: "Pastikan ini Anda untuk",
  mfaIntro: "Masukkan kode 6 digit dari aplikasi autentikator Anda.",
  mfaCode: "Kode autentikasi",
  mfaVerify: "Verifikasi",
  mfaRemember: "Ingat browser ini selama {days} hari",
  mfaUseRecovery: "Gunakan kode pemulihan",
  mfaUseApp: "Gunakan aplikasi autentikator",
  mfaRecoveryIntro:
    "Masukkan salah satu kode pemulihan yang Anda simpan saat menyiapkan aplikasi autentikator. Tiap kode hanya berlaku sekali.",
  mfaRecoveryCode: "Kode pemulihan",
  mfaWrongCode: "Kode itu tidak berhasil. Periksa lalu coba lagi.",
  mfaExpired: "Langkah masuk ini sudah kedaluwarsa. Silakan masuk lagi.",
  enrolTitle: "Siapkan verifikasi dua langkah",
  enrolFor: "Lindungi akun Anda untuk",
  enrolIntro:
    "Pindai kode QR ini dengan aplikasi autentikator (Google Authenticator, Microsoft Authenticator, Authy, 1Password), lalu masukkan kode 6 digit yang ditampilkannya.",
  enrolKey: "Tidak bisa memindai? Masukkan kunci ini di aplikasi:",
  enrolQrAlt: "Kode QR untuk menambahkan akun ini ke aplikasi autentikator",
  enrolConfirm: "Aktifkan",
  codesTitle: "Simpan kode pemulihan Anda",
  codesIntro:
    "Jika ponsel Anda hilang, tiap kode ini bisa dipakai sekali untuk masuk. Simpan di tempat aman: kode ini tidak akan ditampilkan lagi.",
  codesDownload: "Unduh kode",
  codesContinue: "Sudah saya simpan — lanjutkan",
  manageTitle: "Kelola verifikasi dua langkah",
  manageFor: "Akun Anda di",
  manageIntro:
    "Untuk mengubah verifikasi dua langkah, pastikan ini Anda: masukkan kode dari aplikasi autentikator atau salah satu kode pemulihan Anda.",
  manageCode: "Kode dari aplikasi, atau kode pemulihan",
  manageRegenerate: "Buat kode pemulihan baru",
  manageRemove: "Hapus aplikasi autentikator",
  manageRegenerated:
    "Kode pemulihan lama Anda tidak berlaku lagi. Simpan kode baru ini: kode ini tidak akan ditampilkan lagi.",
  manageRemoved:
    "Aplikasi autentikator dan kode pemulihan Anda sudah dihapus. Saat masuk tidak lagi diminta kode, kecuali aplikasi mewajibkannya.",
  manageNone: "Belum ada aplikasi autentikator untuk akun Anda.",
  manageSetUp: "Siapkan aplikasi autentikator",
  manageSignedOut: "Masuk dulu untuk mengelola verifikasi dua langkah Anda.",
  manageBack: "Kembali ke aplikasi",
  staleForm: "Formulir ini kedaluwarsa. Silakan coba lagi.",
  language: "English",
  signedOut: "Anda sudah keluar.",
  signOutTitle: "Keluar?",
  signOutOf: "Keluar dari",
  signOutBody: "Sesi Anda di browser ini akan berakhir. Lain kali Anda perlu masuk lagi.",
  signOut: "Keluar",
  forgot: "Lupa kata sandi?",
  forgotTitle: "Atur ulang kata sandi",
  forgotFor: "Atur ulang kata sandi untuk",
  forgotIntro: "Masukkan email Anda dan kami akan mengirim tautan untuk membuat kata sandi baru.",
  sendLink: "Kirim tautan",
  linkSent: "Jika ada akun dengan email itu, tautan atur ulang sedang dikirim. Tautan berlaku satu jam.",
  resetTitle: "Buat kata sandi baru",
  newPassword: "Kata sandi baru",
  setPassword: "Simpan dan masuk",
  verifiedTitle: "Email terkonfirmasi",
  verifiedFor: "Terima kasih —",
  verifiedBody: "Alamat email Anda sudah terkonfirmasi. Anda boleh menutup tab ini.",
  linkExpired: "Tautan ini tidak dikenal, sudah dipakai, atau kedaluwarsa. Minta tautan baru.",
  requestNewLink: "Kirim tautan baru",
  continueWithGoogle: "Lanjutkan dengan Google",
  continueWithGithub: "Lanjutkan dengan GitHub",
  orUseEmail: "atau gunakan email Anda",
  socialTitle: "Proses masuk tidak selesai",
  socialFor: "Masuk ke",
  backToSignIn: "Kembali ke halaman masuk",
  socialDenied: "Anda membatalkan proses masuk atau tidak memberi izin. Tidak ada data yang dibagikan.",
  socialStale: "Percobaan masuk ini kedaluwarsa atau dimulai di browser atau tab lain. Silakan mulai lagi.",
  socialFailed: "Penyedia tidak dapat memastikan identitas Anda. Silakan coba lagi.",
  socialNoEmail:
    "Penyedia tidak membagikan alamat email terverifikasi, yang diperlukan aplikasi ini untuk masuk.",
  socialNotLinked:
    "Akun dengan email ini sudah ada, tetapi email belum terverifikasi di kedua sisi, jadi tidak kami tautkan. Silakan masuk dengan kata sandi.",
  socialAccountDisabled: "Akun ini dinonaktifkan.",
  wantsAccess: "ingin mengakses",
  unverifiedClient:
    "Aplikasi ini mendaftar sendiri: namanya adalah klaimnya sendiri, tidak diperiksa oleh proyek. Lanjutkan hanya jika Anda memulainya dari aplikasi yang Anda percayai.",
  clientFromHost: "Aplikasi ini diterbitkan di",
  clientHostVerified:
    "Namanya adalah klaimnya sendiri; hanya alamat ini yang diperiksa. Lanjutkan hanya jika Anda memercayainya.",
  consentTitle: "Izinkan akses",
  consentSignedIn: "Anda sudah masuk ke",
  allow: "Izinkan",
  deny: "Tolak",
};

export const MESSAGES: Record<Lang, Messages> = { en, id };
export type MessageKey = keyof Messages;

/** "45 seconds", "3 minutes" (rounded up), in the page's language. */
export function waitText(lang: Lang, seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  if (lang === "id") return seconds < 90 ? `${Math.max(1, seconds)} detik` : `${minutes} menit`;
  if (seconds < 90) return seconds <= 1 ? "1 second" : `${seconds} seconds`;
  return `${minutes} minutes`;
}

/** A message with its wait (the {wait} in lockout and resend messages) filled in. */
export function say(lang: Lang, key: MessageKey, waitSeconds = 60): string {
  return MESSAGES[lang][key].replace("{wait}", waitText(lang, waitSeconds));
}

export function pickLang(c: Context): Lang {
  const asked = c.req.query("lang");
  if (asked === "en" || asked === "id") return asked;
  // OIDC ui_locales: space-separated BCP 47 tags in order of preference.
  for (const tag of (c.req.query("ui_locales") ?? "").split(" ")) {
    const language = tag.slice(0, 2).toLowerCase();
    if (language === "en" || language === "id") return language;
  }
  const accept = c.req.header("accept-language") ?? "";
  const first = accept.split(",").map((part) => part.trim().split(";")[0].toLowerCase().slice(0, 2))[0];
  return first === "id" || first === "ms" ? "id" : "en";
}
