/**
 * The words of the Settings page's sections on who gets in: ways to sign in, sign-ups, guests and the
 * second-factor policy (components/dashboard/SignInMethods, SignUpSettings, GuestSettings, MfaPolicy).
 */
import { catalogue } from "./catalogue.ts";

export const SETTINGS_ACCESS_TEXT = catalogue({
  waysToSignIn: "Ways to sign in",
  offeredOnHosted: "Offered on the hosted sign-in page",
  methodPasswords: "Passwords",
  methodPasskeys: "Passkeys: fingerprint, face or screen lock, offered on sign-in and after sign-up",
  methodPasskeyUpgrade:
    "Passkey upgrade: after a password sign-in, the browser's password manager may make a passkey without asking (needs passkeys on)",
  methodEmailCodes: "Email me a code: a 6-digit code and a link by email",
  methodEmailCodeSignUp:
    "Email codes create accounts: an address without one gets a code too, and using it signs the person up",
  breachedLegend: "Passwords seen in data breaches (Have I Been Pwned)",
  breachedPasswords:
    "Refuse a new password that has appeared in a data breach (sign-up, reset, account page)",
  breachedSignIn:
    "At sign-in, a right password that has appeared in a breach lets nobody in; its owner is mailed a reset link",
  withoutPasswords:
    "Without passwords, sign-up asks for an email address only and people sign in with a code or a passkey; keep email codes or passkeys on. Unless email codes create accounts, a new person proves their address with a mailed code and then adds a passkey.",
  saveWaysToSignIn: "Save ways to sign in",
  signUps: "Sign-ups",
  whoMayCreate: "Who may create an account",
  modeOpen: "Open: anyone can create an account",
  modeInvitation:
    "By invitation: only the address an organization invitation names, when signing in through it",
  modeWaitlist: "Waitlist: people join a waitlist; an address you approve (Users → Waitlist) may sign up",
  modeClosed: "Closed: no new accounts through the hosted login",
  allowedDomains: "Allowed email domains (empty: any)",
  blockedDomains: "Blocked email domains",
  domainsHint:
    "One domain a line, up to 100 each: example.co.id is that domain only, *.example.co.id its subdomains. Write an internationalised domain in its xn-- form. A phone-only sign-up has no address: it is refused while allowed domains are set, or sign-ups are closed, by invitation or by waitlist. People who already have an account always sign in, and users you import or create yourself are not restricted.",
  blockDisposable:
    "Refuse throwaway email services (mailinator.com, yopmail.com and some 56,000 more, with their subdomains; also alias services such as duck.com and addy.io)",
  blockSubaddresses:
    "Refuse addresses with a +tag (a +, = or # before the @, as dewi+promo@example.com): one mailbox cannot make many accounts",
  disposableAllowedDomains: "Throwaway email domains let in all the same",
  disposableAllowedHint:
    "One domain a line, up to 100, written as the lists above: alias services your people keep, such as duck.com, *.mozmail.com or addy.io, sign up while throwaway services are refused. A blocked domain, or one outside the allowed domains, stays refused.",
  requireLegalConsent:
    "Ask for consent to your terms of service and privacy policy (Branding's addresses): the sign-up form shows a box that must be ticked, and the account records when (legal_accepted_at)",
  saveSignUps: "Save sign-ups",
  guests: "Guests (anonymous sign-ins)",
  guestsEnabled:
    "Let the app's front end make guests: users with no email who sign up later on the hosted login and keep their account (POST /api/platform/anonymous with the client id)",
  sweepAfter: "Keep an unused guest for (days)",
  sweepAfterHint:
    "A guest whose tokens were not refreshed for this long is deleted (user.deleted), unless they have a subscription or a checkout. 1 to 365; default 30.",
  hourlyLimit: "New guests an hour, at most",
  hourlyLimitHint:
    "Beside 30 an hour from one address. 1 to 100000; default 1000. Bot protection can ask for a check too.",
  saveGuests: "Save guests",
  secondFactor: "Second factor",
  whoIsAsked: "Who is asked for an authenticator-app code",
  mfaOff: "Off: nobody is asked for a second factor",
  mfaOptional:
    "Optional: people with a second factor (an authenticator app, a passkey, a phone) are asked for it (apps can ask with acr_values)",
  mfaRequired:
    "Required: everyone without a second factor sets up an authenticator app at their next sign-in",
  phoneFactor:
    "A code by WhatsApp or SMS to a verified phone number may be the second factor (people turn it on in their account; SMS is the weakest factor, so it is off unless you tick this)",
  saveMfa: "Save second-factor policy",
}, {
  waysToSignIn: "Cara masuk",
  offeredOnHosted: "Ditawarkan di halaman masuk hosted",
  methodPasswords: "Kata sandi",
  methodPasskeys: "Passkey: sidik jari, wajah, atau kunci layar, ditawarkan saat masuk dan setelah mendaftar",
  methodPasskeyUpgrade:
    "Peningkatan ke passkey: setelah masuk dengan kata sandi, pengelola kata sandi browser dapat membuat passkey tanpa bertanya (passkey harus aktif)",
  methodEmailCodes: "Kirimi saya kode lewat email: kode 6 digit dan tautan lewat email",
  methodEmailCodeSignUp:
    "Kode email membuat akun: alamat yang belum punya akun juga mendapat kode, dan memakainya mendaftarkan orang itu",
  breachedLegend: "Kata sandi yang pernah bocor (Have I Been Pwned)",
  breachedPasswords:
    "Tolak kata sandi baru yang pernah muncul dalam kebocoran data (pendaftaran, reset, halaman akun)",
  breachedSignIn:
    "Saat masuk, kata sandi yang benar tetapi pernah bocor tidak memasukkan siapa pun; pemiliknya dikirimi tautan reset",
  withoutPasswords:
    "Tanpa kata sandi, pendaftaran hanya meminta alamat email dan orang masuk dengan kode atau passkey; biarkan kode email atau passkey aktif. Kecuali kode email membuat akun, orang baru membuktikan alamatnya dengan kode yang dikirim lewat email lalu menambahkan passkey.",
  saveWaysToSignIn: "Simpan cara masuk",
  signUps: "Pendaftaran",
  whoMayCreate: "Siapa yang boleh membuat akun",
  modeOpen: "Terbuka: siapa pun boleh membuat akun",
  modeInvitation:
    "Lewat undangan: hanya alamat yang disebut undangan organisasi, saat masuk lewat undangan itu",
  modeWaitlist:
    "Daftar tunggu: orang masuk daftar tunggu; alamat yang Anda setujui (Pengguna → Daftar tunggu) boleh mendaftar",
  modeClosed: "Tertutup: tidak ada akun baru lewat login hosted",
  allowedDomains: "Domain email yang diizinkan (kosong: semua)",
  blockedDomains: "Domain email yang diblokir",
  domainsHint:
    "Satu domain per baris, paling banyak 100 di tiap daftar: example.co.id hanya domain itu, *.example.co.id subdomainnya. Tulis domain internasional dalam bentuk xn--. Pendaftaran dengan nomor telepon saja tidak punya alamat: ditolak selama domain yang diizinkan diatur, atau pendaftaran tertutup, lewat undangan, atau lewat daftar tunggu. Orang yang sudah punya akun selalu bisa masuk, dan pengguna yang Anda impor atau buat sendiri tidak dibatasi.",
  blockDisposable:
    "Tolak layanan email sekali pakai (mailinator.com, yopmail.com, dan sekitar 56.000 lainnya beserta subdomainnya; juga layanan alias seperti duck.com dan addy.io)",
  blockSubaddresses:
    "Tolak alamat dengan +tag (tanda +, = atau # sebelum @, seperti dewi+promo@example.com): satu kotak surat tidak bisa membuat banyak akun",
  disposableAllowedDomains: "Domain email sekali pakai yang tetap diterima",
  disposableAllowedHint:
    "Satu domain per baris, paling banyak 100, ditulis seperti daftar di atas: layanan alias yang dipakai orang-orang Anda, seperti duck.com, *.mozmail.com atau addy.io, tetap bisa mendaftar saat layanan email sekali pakai ditolak. Domain yang diblokir, atau di luar domain yang diizinkan, tetap ditolak.",
  requireLegalConsent:
    "Minta persetujuan atas ketentuan layanan dan kebijakan privasi Anda (alamat di Branding): formulir pendaftaran menampilkan kotak yang wajib dicentang, dan akun mencatat waktunya (legal_accepted_at)",
  saveSignUps: "Simpan pendaftaran",
  guests: "Tamu (masuk anonim)",
  guestsEnabled:
    "Izinkan front end aplikasi membuat tamu: pengguna tanpa email yang nanti mendaftar di login hosted dan mempertahankan akunnya (POST /api/platform/anonymous dengan client id)",
  sweepAfter: "Simpan tamu yang tidak dipakai selama (hari)",
  sweepAfterHint:
    "Tamu yang tokennya tidak diperbarui selama ini dihapus (user.deleted), kecuali punya langganan atau checkout. 1 sampai 365; bawaan 30.",
  hourlyLimit: "Tamu baru per jam, paling banyak",
  hourlyLimitHint:
    "Selain 30 per jam dari satu alamat. 1 sampai 100000; bawaan 1000. Perlindungan bot juga bisa meminta pemeriksaan.",
  saveGuests: "Simpan tamu",
  secondFactor: "Faktor kedua",
  whoIsAsked: "Siapa yang diminta kode aplikasi autentikator",
  mfaOff: "Mati: tidak ada yang diminta faktor kedua",
  mfaOptional:
    "Opsional: orang yang punya faktor kedua (aplikasi autentikator, passkey, telepon) dimintai faktor itu (aplikasi bisa memintanya dengan acr_values)",
  mfaRequired:
    "Wajib: semua yang belum punya faktor kedua menyiapkan aplikasi autentikator saat masuk berikutnya",
  phoneFactor:
    "Kode lewat WhatsApp atau SMS ke nomor telepon terverifikasi boleh menjadi faktor kedua (orang mengaktifkannya di akunnya; SMS adalah faktor terlemah, jadi mati kecuali Anda mencentang ini)",
  saveMfa: "Simpan kebijakan faktor kedua",
});
