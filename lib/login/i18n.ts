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
  breachedPassword:
    "That password has appeared in a data breach on another site, so attackers try it first. Choose another.",
  breachedPasswordSignIn:
    "Your password is right, but it has appeared in a data breach on another site, so it is no longer safe to use. We sent you an email with a link to choose a new one.",
  checkEmail: "Check your email: we sent a link to confirm your address. Open it, then sign in.",
  verifyFirst: "Confirm your email address first: open the link we sent you.",
  resend: "Send the link again",
  linkResent: "We sent a new link. It can take a minute to arrive; you can ask for another in {wait}.",
  resendTooSoon: "A link was sent moments ago. You can ask for another in {wait}.",
  showPassword: "Show password",
  hidePassword: "Hide password",
  phoneTitle: "Continue with your phone",
  phoneCodeTitle: "Enter the code",
  phoneClaimedTitle: "Your phone number is confirmed",
  phoneClaimedContinue: "Continue",
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
  mfaUsePasskey: "Use a passkey",
  mfaPasskeyIntro: "Confirm it is you with one of your passkeys (fingerprint, face or screen lock).",
  mfaOrPasskey: "Or confirm it is you with one of your passkeys.",
  mfaEnrolInstead: "Set up an authenticator app instead",
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
  passkeySignIn: "Sign in with a passkey",
  passkeyFailed: "That passkey did not work here. Try again, or sign in another way.",
  passkeyCancelled: "The passkey prompt closed before it finished. Try again when you are ready.",
  passkeyRateLimited: "Too many passkey attempts from this network. Wait a minute, then try again.",
  passkeyUnavailable:
    "Passkeys could not be started just now. Reload the page and try again, or sign in another way.",
  passkeyAlreadyAdded: "This device already holds a passkey for your account: sign in with it.",
  passkeyUseIt:
    "This app signs in with passkeys: choose yours from the suggestions under the email field, or press “Sign in with a passkey”.",
  // Bot protection (lib/login/bot_check.ts): the challenge widget on the form and its refusals.
  botCheckMissing: "Please complete the check that you are not a robot, then send the form again.",
  botCheckFailed: "Please complete the check: it did not pass. Try it again, then send the form again.",
  botCheckUnavailable:
    "The check that you are not a robot cannot be completed right now. Try again in a minute.",
  botCheckNoScript:
    "This form has a check that you are not a robot, and it needs JavaScript. Turn it on for this site, or open this page in a browser that has it.",
  passkeyNoScript:
    "Signing in with a passkey needs JavaScript. Turn it on for this site, or open this page in a browser that has it.",
  passkeysTitle: "Passkeys",
  passkeysFor: "Your account at",
  passkeysIntro:
    "A passkey signs you in with your fingerprint, face or screen lock instead of a password. It lives on your device or in your password manager and cannot be phished.",
  passkeysNone: "You have no passkeys yet.",
  passkeysOffer: "Sign in faster next time: add a passkey to this account.",
  passkeyAdd: "Add a passkey",
  passkeyName: "Name for the new passkey",
  passkeyDefaultName: "Passkey",
  passkeyUpgradeTitle: "Signing you in",
  passkeyUpgradeText: "Signed in. Taking you back to the app…",
  passkeyUpgradeContinue: "Continue to the app",
  passkeyRenameLabel: "New name",
  passkeyRename: "Rename",
  passkeyRenameSave: "Save name",
  passkeyRemove: "Remove",
  passkeyRemoveConfirm: "Remove “{name}”? It will no longer sign you in, and we will email you that it went.",
  passkeyRemoveYes: "Remove this passkey",
  passkeyAdded: "Your passkey was added. Next time, sign in with it.",
  passkeyRenamed: "The passkey was renamed.",
  passkeyRemoved: "The passkey was removed. It no longer signs you in.",
  passkeyNotAdded: "The passkey was not added. Try again.",
  passkeyCreated: "Added",
  passkeyLastUsed: "Last used",
  passkeyNeverUsed: "Not used yet",
  passkeySynced: "synced across your devices",
  passkeyOneDevice: "on one device",
  passkeysSignedOut: "Sign in first to manage your passkeys.",
  passkeysNotRecent:
    "To add or remove a passkey, sign in again first. This keeps someone who finds your open session from adding their own.",
  passkeysImpersonated:
    "Support staff signed in as this person cannot add or remove passkeys: only the person can.",
  passkeysOff: "This app does not use passkeys.",
  passkeyUnknown: "That passkey is not one of yours.",
  passkeyLastWayIn:
    "This passkey is the only way you can sign in here. Add another passkey or a password first.",
  emailCodeOffer: "Email me a code",
  emailCodeTitle: "Sign in with an email code",
  emailCodeIntro: "We will email you a 6-digit code and a sign-in link. No password needed.",
  emailCodeSend: "Email me a code",
  emailCodeSent:
    "If an account uses that email, a code is on its way. Enter it below: it works for 10 minutes.",
  emailCodeSentSignUp:
    "A code is on its way to that address, unless its account is disabled: it signs you in, or creates your account if there is none yet. Enter it below: it works for 10 minutes.",
  emailCodeLabel: "Code from the email",
  emailCodeVerify: "Sign in",
  emailCodeWrong: "That code did not work. Check the newest email and try again.",
  emailCodeTaken:
    "This address now belongs to an account of this app, so no new account was made. Send a new code to sign in with it.",
  emailCodeNoSignUp: "This app no longer creates accounts by email code, so no account was made.",
  emailCodeAgain: "Send a new code",
  emailCodeLinkIntro: "Continue with the sign-in link from your email.",
  passwordsOff: "This app signs in without passwords: use an email code or a passkey instead.",
  passwordsOffSignUp: "No password needed: enter your email and we will send you a code to finish.",
  passkeySignUpIntro:
    "No password needed: enter your email. We will send you a code, then you add a passkey to sign in with.",
  passkeySignUpSent:
    "If this address can open a new account here, a code is on its way (an address that already has a passkey gets none: sign in with it instead). Enter the code below: it works for 10 minutes.",
  passkeySignUpContinue: "Continue",
  passkeySignUpAdd:
    "Your email is confirmed. Now add the passkey you will sign in with: your account is ready once it is stored.",
  passkeySignUpNoWebAuthn:
    "This browser cannot make passkeys. Open this page in a browser that can to finish signing up.",
  passkeySignUpNoScript:
    "Adding a passkey needs JavaScript. Turn it on for this site (or use a browser that has it), then sign up again with the same email: the new code brings you straight back to this step.",
  passkeySignUpByCode: "Or sign in with a code by email instead",
  passkeySignUpExpired: "This sign-up has expired. Start again: we will send a new code.",
  passkeySignUpAgain: "Start again",
  passkeySignUpClosed: "This app does not sign people up this way. Start again from its sign-up page.",
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
  passwordForAccount: "The new password is for the account",
  setPassword: "Save and sign in",
  verifiedTitle: "Email confirmed",
  verifiedFor: "Thank you —",
  verifiedBody: "Your email address is confirmed. You can close this tab.",
  linkExpired: "This link is unknown, already used or expired. Ask for a new one.",
  requestNewLink: "Send me a new link",
  confirmTitle: "Confirm your email address",
  confirmAsk: "Is {email} your address? Confirm it to finish creating your account.",
  confirmPasswordHint: "Enter the password you chose when you created the account.",
  confirmAddress: "Confirm my address",
  passwordNeeded: "Enter the account's password to confirm the address.",
  wrongPassword: "That is not this account's password.",
  notMineTitle: "Did not create this account?",
  notMineBody:
    "Someone may have signed up with your address. Take the account: its password and whatever else was set up are removed, and anyone signed in to it is signed out.",
  notMine: "I did not sign up: make it mine",
  claimedTitle: "The account is yours",
  claimedBody:
    "Your address is confirmed. Whatever the person who signed up had set up (the password, other sign-ins, sessions) is removed. To use the account, set a password of your own.",
  chooseOwnPassword: "Set a password",
  continueWithGoogle: "Continue with Google",
  continueWithGithub: "Continue with GitHub",
  continueWithApple: "Continue with Apple",
  continueWithMicrosoft: "Continue with Microsoft",
  orUseEmail: "or use your email",
  socialTitle: "Sign-in did not finish",
  socialFor: "Signing in to",
  backToSignIn: "Back to sign in",
  socialDenied: "You cancelled the sign-in or did not allow access. Nothing was shared.",
  socialStale: "This sign-in attempt expired or was started in another browser or tab. Please start again.",
  socialFailed: "The provider could not confirm who you are. Please try again.",
  socialOutage: "{provider} is not answering right now. Try again in a moment or sign in another way.",
  socialNoEmail: "The provider did not share a verified email address, which this app needs to sign you in.",
  socialNotLinked:
    "An account with this email already exists, but the email is not verified on both sides, so we did not link them. Sign in with your password instead.",
  socialAccountDisabled: "This account is disabled.",
  socialMisconfigured:
    "Sign-in with this provider is not set up correctly for this app. Please sign in another way; the app's team has been told.",
  socialAppleNoEmail:
    "Apple did not share your email address this time (it shares it only the first time you use an app). Try again in a minute: Apple will ask you to share it. If it does not, stop using Sign in with Apple for this app in your Apple ID settings, then try again.",
  wantsAccess: "wants to access",
  asksForScopes: "It asks for:",
  unverifiedClient:
    "This app registered itself: its name is its own claim, not checked by the project. Continue only if you started this from an app you trust.",
  clientFromHost: "This app is published at",
  clientHostVerified:
    "Its name is its own claim; the address is the one thing checked. Continue only if you trust it.",
  consentTitle: "Allow access",
  consentSignedIn: "You are signed in to",
  allow: "Allow",
  deny: "Deny",
  orgPickTitle: "Choose an organization",
  orgPickFor: "Continue to",
  orgPersonal: "Continue without an organization",
  orgJoin: "Join",
  orgJoinable: "Your email's domain lets you join:",
  orgNotMember: "You are not a member of that organization. Choose one of yours.",
  orgRequired:
    "This app needs an organization, and you are not a member of any yet. Ask an admin to invite you.",
  orgJoinFailed: "You could not join that organization (it may be full). Choose another one.",
  orgInviteTitle: "Join an organization",
  orgInviteFor: "Invitation to",
  orgInviteAccept: "Accept the invitation",
  orgInviteQuestion: "Join {organization}?",
  orgInviteBy: "Invited by {inviter} as {role}.",
  orgInviteAs: "You are invited as {role}.",
  orgInviteLater: "Not now",
  orgInviteLaterHint: "Not now keeps the invitation open: the same link lets you accept it later.",
  orgInviteWrongAccount:
    "This invitation was sent to another email address. Sign out and sign in with that one.",
  orgInviteUnusable:
    "This invitation can no longer be used: it was accepted, withdrawn or has expired. Ask for a new one.",
  orgInviteUnknown: "This invitation link is not valid for this app.",
  orgInviteFull: "This organization has no free seat left. Ask an admin to free one.",
  orgInviteUnverified:
    "Confirm your email address first: open the confirmation link we mailed to it, and you can accept the " +
    "invitation as you go on to the app.",
  ssoLink: "Sign in with single sign-on (SSO)",
  ssoTitle: "Single sign-on",
  ssoIntro: "Enter your work email: we will send you to your organization's sign-in.",
  ssoContinue: "Continue",
  ssoUnknown: "No single sign-on is set up for this address. Sign in another way.",
  // Enforced SSO (lib/login/sso/required.tsx): every way in but the organization's IdP is closed to its domain.
  ssoRequiredTitle: "Your organization signs you in with its own identity provider",
  ssoRequired:
    "Your organization signs you in with its own identity provider, not with a password, code, passkey or " +
    "another account here. Continue with single sign-on.",
  ssoContinueWith: "Continue with single sign-on",
  ssoEmailTaken:
    "Your organization's sign-in now gives you an address that another account here uses, so you were not " +
    "signed in. Ask your organization's administrator.",
  ssoProviderName: "The sign-in of {organization}",
  ssoWrongDomain:
    "Your organization's sign-in vouched for an address outside its verified domains, so it cannot sign you in here.",
  ssoUnverified: "Your organization's sign-in has not verified your email address, which this app needs.",
  ssoNotLinked:
    "An account with this address exists that has not confirmed it. Confirm it from inside that account first.",
  ssoFull: "Your organization has no free seat left. Ask its administrator for one.",
  ssoTooManyGroups:
    "Your organization's sign-in sent more groups for you than this app accepts, so you were not signed in. Ask " +
    "your organization's administrator to send fewer groups to this app.",
  ssoUnavailable: "Single sign-on for this organization is switched off now. Please start again.",
  samlPortalOff:
    "Your organization's sign-in sent you here, but no sign-in was started in this browser, and sign-in from your company's app portal is not enabled for this organization. Start from the app you want to use and choose single sign-on.",
  samlPortalNoApp:
    "Your organization's sign-in sent you here, but no sign-in was started in this browser, and this app has not set up sign-in from your company's app portal (it names no page to start it). Start from the app you want to use and choose single sign-on.",
  ssoPortalTitle: "Continue signing in?",
  ssoPortalIntro: "You came from your organization's app portal. You are about to sign in as:",
  ssoPortalWarning:
    "Continue only if this is your account. If you did not just open this app from your company's portal, choose Cancel.",
  ssoPortalContinue: "Continue",
  ssoPortalCancel: "Cancel",
  ssoPortalGone:
    "This sign-in from your company's portal expired or was already used. Open the app from the portal again.",
  samlUnsolicited:
    "Your organization's sign-in sent you here, but no sign-in was started in this browser. Start from the app you want to use and choose single sign-on.",
  samlNotEncrypted:
    "Your organization's sign-in sent an answer that is not encrypted, and this app accepts only encrypted ones. Ask your organization's administrator to turn on assertion encryption for this app.",
  samlUndecryptable:
    "Your organization's sign-in sent an answer this app cannot open: it was encrypted for another certificate, or changed on the way. Ask your organization's administrator to check the app's encryption certificate.",
  // settings.sign_up refusing a new account (lib/login/sign_up_refusal.tsx); {app} and {domain} filled in.
  signUpRefusedTitle: "No new account",
  signUpClosed: "Sign-ups for {app} are closed.",
  signUpInvitationOnly: "Sign-ups for {app} are by invitation only.",
  signUpDomainRefused: "Addresses at {domain} cannot sign up for {app}.",
  signUpDisposableRefused:
    "{domain} is a disposable email service. Sign up for {app} with a permanent address, such as the one you use every day.",
  signUpSubaddressRefused:
    "{app} does not take addresses with a +tag. Sign up with your address without the part from + (or = or #) to the @.",
  signUpEmailRequired: "Sign-ups for {app} need an email address: sign up with your email instead.",
  signUpRefusedHint: "Already have an account? Sign in with it.",
  // settings.sign_up mode waitlist (routes/auth/waitlist.tsx); the refusal offers the waitlist.
  signUpWaitlist: "Sign-ups for {app} go through a waitlist, and this address is not approved yet.",
  // settings.sign_up.require_legal_consent (components/login/LegalConsent.tsx, lib/login/sign_up_refusal.tsx).
  legalAgree: "I agree to the",
  legalTerms: "Terms of Service",
  legalAnd: "and",
  legalPrivacy: "Privacy Policy",
  legalConsentMissing: "Tick the box to agree to the terms before creating your account.",
  signUpConsentRequired:
    "{app} asks new accounts to agree to its terms first. Create your account on the sign-up page, where you can agree.",
  signUpInstead: "Go to the sign-up page",
  // After a first Google/GitHub/Apple sign-in from the sign-in page (routes/auth/signup/continue.tsx).
  signUpContinueTitle: "Finish creating your account",
  signUpContinueIntro: "To finish creating your account, agree to the terms.",
  signUpContinueButton: "Continue",
  signUpContinueExpired: "This step expired or was already used. Sign in again to create your account.",
  waitlistTitle: "Join the waitlist",
  waitlistFor: "Join the waitlist for",
  waitlistIntro: "Leave your email and we'll write to you when you can create your account.",
  waitlistJoin: "Join the waitlist",
  waitlistJoined: "You're on the list. We'll email you when you can sign up.",
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
  breachedPassword:
    "Kata sandi itu pernah bocor dalam pembobolan data di situs lain, jadi penyerang mencobanya lebih dulu. Pilih yang lain.",
  breachedPasswordSignIn:
    "Kata sandi Anda benar, tetapi pernah bocor dalam pembobolan data di situs lain, jadi tidak aman lagi dipakai. Kami mengirim email berisi tautan untuk memilih kata sandi baru.",
  checkEmail: "Periksa email Anda: kami mengirim tautan untuk mengonfirmasi alamat Anda. Buka, lalu masuk.",
  verifyFirst: "Konfirmasi alamat email Anda dulu: buka tautan yang kami kirim.",
  resend: "Kirim tautan lagi",
  linkResent:
    "Kami sudah mengirim tautan baru. Mungkin perlu semenit untuk sampai; Anda bisa meminta lagi dalam {wait}.",
  resendTooSoon: "Tautan baru saja dikirim. Anda bisa meminta lagi dalam {wait}.",
  showPassword: "Tampilkan kata sandi",
  hidePassword: "Sembunyikan kata sandi",
  phoneTitle: "Lanjutkan dengan nomor HP",
  phoneCodeTitle: "Masukkan kode",
  phoneClaimedTitle: "Nomor HP Anda terkonfirmasi",
  phoneClaimedContinue: "Lanjutkan",
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
  mfaUsePasskey: "Gunakan passkey",
  mfaPasskeyIntro: "Pastikan ini Anda dengan salah satu passkey Anda (sidik jari, wajah atau kunci layar).",
  mfaOrPasskey: "Atau pastikan ini Anda dengan salah satu passkey Anda.",
  mfaEnrolInstead: "Pasang aplikasi autentikator saja",
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
  passkeySignIn: "Masuk dengan passkey",
  passkeyFailed: "Passkey itu tidak berhasil di sini. Coba lagi, atau masuk dengan cara lain.",
  passkeyCancelled: "Jendela passkey tertutup sebelum selesai. Coba lagi jika Anda sudah siap.",
  passkeyRateLimited:
    "Terlalu banyak percobaan passkey dari jaringan ini. Tunggu satu menit, lalu coba lagi.",
  passkeyUnavailable:
    "Passkey tidak bisa dimulai saat ini. Muat ulang halaman lalu coba lagi, atau masuk dengan cara lain.",
  passkeyAlreadyAdded: "Perangkat ini sudah menyimpan passkey untuk akun Anda: masuklah dengan passkey itu.",
  passkeyUseIt:
    "Aplikasi ini masuk dengan passkey: pilih passkey Anda dari saran di bawah kolom email, atau tekan “Masuk dengan passkey”.",
  botCheckMissing: "Silakan selesaikan pemeriksaan bahwa Anda bukan robot, lalu kirim formulir lagi.",
  botCheckFailed:
    "Silakan selesaikan pemeriksaan: pemeriksaan tidak lolos. Coba lagi, lalu kirim formulir lagi.",
  botCheckUnavailable:
    "Pemeriksaan bahwa Anda bukan robot tidak dapat dilakukan saat ini. Coba lagi dalam semenit.",
  botCheckNoScript:
    "Formulir ini memiliki pemeriksaan bahwa Anda bukan robot, dan pemeriksaan itu memerlukan JavaScript. Aktifkan untuk situs ini, atau buka halaman ini di browser yang memilikinya.",
  passkeyNoScript:
    "Masuk dengan passkey memerlukan JavaScript. Aktifkan untuk situs ini, atau buka halaman ini di browser yang memilikinya.",
  passkeysTitle: "Passkey",
  passkeysFor: "Akun Anda di",
  passkeysIntro:
    "Passkey memungkinkan Anda masuk dengan sidik jari, wajah, atau kunci layar, tanpa kata sandi. Passkey tersimpan di perangkat atau pengelola kata sandi Anda dan tidak bisa dicuri lewat phishing.",
  passkeysNone: "Anda belum punya passkey.",
  passkeysOffer: "Masuk lebih cepat lain kali: tambahkan passkey ke akun ini.",
  passkeyAdd: "Tambah passkey",
  passkeyName: "Nama untuk passkey baru",
  passkeyDefaultName: "Passkey",
  passkeyUpgradeTitle: "Sedang masuk",
  passkeyUpgradeText: "Anda sudah masuk. Kembali ke aplikasi…",
  passkeyUpgradeContinue: "Lanjut ke aplikasi",
  passkeyRenameLabel: "Nama baru",
  passkeyRename: "Ganti nama",
  passkeyRenameSave: "Simpan nama",
  passkeyRemove: "Hapus",
  passkeyRemoveConfirm:
    "Hapus “{name}”? Passkey itu tidak bisa lagi dipakai untuk masuk, dan kami akan mengirim email bahwa passkey itu dihapus.",
  passkeyRemoveYes: "Hapus passkey ini",
  passkeyAdded: "Passkey Anda sudah ditambahkan. Lain kali, masuk dengannya.",
  passkeyRenamed: "Nama passkey sudah diganti.",
  passkeyRemoved: "Passkey sudah dihapus. Passkey itu tidak bisa lagi dipakai untuk masuk.",
  passkeyNotAdded: "Passkey tidak ditambahkan. Coba lagi.",
  passkeyCreated: "Ditambahkan",
  passkeyLastUsed: "Terakhir dipakai",
  passkeyNeverUsed: "Belum pernah dipakai",
  passkeySynced: "tersinkron di perangkat Anda",
  passkeyOneDevice: "di satu perangkat",
  passkeysSignedOut: "Masuk dulu untuk mengelola passkey Anda.",
  passkeysNotRecent:
    "Untuk menambah atau menghapus passkey, masuk lagi dulu. Ini mencegah orang yang menemukan sesi Anda yang terbuka menambahkan passkey miliknya.",
  passkeysImpersonated:
    "Staf dukungan yang masuk sebagai orang ini tidak dapat menambah atau menghapus passkey: hanya orangnya sendiri yang bisa.",
  passkeysOff: "Aplikasi ini tidak memakai passkey.",
  passkeyUnknown: "Passkey itu bukan milik Anda.",
  passkeyLastWayIn:
    "Passkey ini satu-satunya cara Anda masuk ke sini. Tambahkan passkey lain atau kata sandi dulu.",
  emailCodeOffer: "Kirimi saya kode lewat email",
  emailCodeTitle: "Masuk dengan kode email",
  emailCodeIntro: "Kami akan mengirim kode 6 digit dan tautan masuk ke email Anda. Tanpa kata sandi.",
  emailCodeSend: "Kirimi saya kode",
  emailCodeSent:
    "Jika ada akun dengan email itu, kode sedang dikirim. Masukkan di bawah: kode berlaku 10 menit.",
  emailCodeSentSignUp:
    "Kode sedang dikirim ke alamat itu, kecuali akunnya dinonaktifkan: kode itu memasukkan Anda, atau membuat akun Anda jika belum ada. Masukkan di bawah: kode berlaku 10 menit.",
  emailCodeLabel: "Kode dari email",
  emailCodeVerify: "Masuk",
  emailCodeWrong: "Kode itu tidak berhasil. Periksa email terbaru dan coba lagi.",
  emailCodeTaken:
    "Alamat ini sekarang terdaftar di sebuah akun aplikasi ini, jadi tidak ada akun baru yang dibuat. Kirim kode baru untuk masuk dengannya.",
  emailCodeNoSignUp:
    "Aplikasi ini tidak lagi membuat akun lewat kode email, jadi tidak ada akun yang dibuat.",
  emailCodeAgain: "Kirim kode baru",
  emailCodeLinkIntro: "Lanjutkan dengan tautan masuk dari email Anda.",
  passwordsOff: "Aplikasi ini masuk tanpa kata sandi: pakai kode email atau passkey.",
  passwordsOffSignUp: "Tanpa kata sandi: masukkan email Anda dan kami kirimkan kode untuk menyelesaikannya.",
  passkeySignUpIntro:
    "Tanpa kata sandi: masukkan email Anda. Kami kirimkan kode, lalu Anda menambahkan passkey untuk masuk.",
  passkeySignUpSent:
    "Jika alamat ini bisa membuka akun baru di sini, kode sedang dikirim (alamat yang sudah punya passkey tidak dikirimi: masuklah dengan passkey itu). Masukkan kode di bawah: kode berlaku 10 menit.",
  passkeySignUpContinue: "Lanjutkan",
  passkeySignUpAdd:
    "Email Anda sudah dikonfirmasi. Sekarang tambahkan passkey yang akan Anda pakai untuk masuk: akun Anda siap setelah passkey tersimpan.",
  passkeySignUpNoWebAuthn:
    "Browser ini tidak bisa membuat passkey. Buka halaman ini di browser yang bisa untuk menyelesaikan pendaftaran.",
  passkeySignUpNoScript:
    "Menambahkan passkey memerlukan JavaScript. Aktifkan untuk situs ini (atau pakai browser yang memilikinya), lalu daftar lagi dengan email yang sama: kode baru langsung membawa Anda kembali ke langkah ini.",
  passkeySignUpByCode: "Atau masuk dengan kode lewat email",
  passkeySignUpExpired: "Pendaftaran ini sudah kedaluwarsa. Mulai lagi: kami akan mengirim kode baru.",
  passkeySignUpAgain: "Mulai lagi",
  passkeySignUpClosed:
    "Aplikasi ini tidak menerima pendaftaran dengan cara ini. Mulai lagi dari halaman pendaftarannya.",
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
  passwordForAccount: "Kata sandi baru ini untuk akun",
  setPassword: "Simpan dan masuk",
  verifiedTitle: "Email terkonfirmasi",
  verifiedFor: "Terima kasih —",
  verifiedBody: "Alamat email Anda sudah terkonfirmasi. Anda boleh menutup tab ini.",
  linkExpired: "Tautan ini tidak dikenal, sudah dipakai, atau kedaluwarsa. Minta tautan baru.",
  requestNewLink: "Kirim tautan baru",
  confirmTitle: "Konfirmasi alamat email Anda",
  confirmAsk: "Apakah {email} alamat Anda? Konfirmasikan untuk menyelesaikan pembuatan akun.",
  confirmPasswordHint: "Masukkan kata sandi yang Anda buat saat membuat akun.",
  confirmAddress: "Konfirmasi alamat saya",
  passwordNeeded: "Masukkan kata sandi akun untuk mengonfirmasi alamat ini.",
  wrongPassword: "Itu bukan kata sandi akun ini.",
  notMineTitle: "Tidak merasa membuat akun ini?",
  notMineBody:
    "Mungkin ada orang lain yang mendaftar dengan alamat Anda. Ambil alih akun ini: kata sandinya dan apa pun yang dipasang dihapus, dan siapa pun yang sedang masuk dikeluarkan.",
  notMine: "Saya tidak mendaftar: jadikan milik saya",
  claimedTitle: "Akun ini milik Anda",
  claimedBody:
    "Alamat Anda sudah terkonfirmasi. Apa pun yang dipasang oleh orang yang mendaftar (kata sandi, cara masuk lain, sesi) sudah dihapus. Untuk memakai akun ini, buat kata sandi Anda sendiri.",
  chooseOwnPassword: "Buat kata sandi",
  continueWithGoogle: "Lanjutkan dengan Google",
  continueWithGithub: "Lanjutkan dengan GitHub",
  continueWithApple: "Lanjutkan dengan Apple",
  continueWithMicrosoft: "Lanjutkan dengan Microsoft",
  orUseEmail: "atau gunakan email Anda",
  socialTitle: "Proses masuk tidak selesai",
  socialFor: "Masuk ke",
  backToSignIn: "Kembali ke halaman masuk",
  socialDenied: "Anda membatalkan proses masuk atau tidak memberi izin. Tidak ada data yang dibagikan.",
  socialStale: "Percobaan masuk ini kedaluwarsa atau dimulai di browser atau tab lain. Silakan mulai lagi.",
  socialFailed: "Penyedia tidak dapat memastikan identitas Anda. Silakan coba lagi.",
  socialOutage: "{provider} sedang tidak merespons. Coba lagi sebentar lagi atau masuk dengan cara lain.",
  socialNoEmail:
    "Penyedia tidak membagikan alamat email terverifikasi, yang diperlukan aplikasi ini untuk masuk.",
  socialNotLinked:
    "Akun dengan email ini sudah ada, tetapi email belum terverifikasi di kedua sisi, jadi tidak kami tautkan. Silakan masuk dengan kata sandi.",
  socialAccountDisabled: "Akun ini dinonaktifkan.",
  socialMisconfigured:
    "Masuk dengan penyedia ini belum diatur dengan benar untuk aplikasi ini. Silakan masuk dengan cara lain; tim aplikasi sudah diberi tahu.",
  socialAppleNoEmail:
    "Apple tidak membagikan alamat email Anda kali ini (Apple hanya membagikannya saat pertama kali Anda memakai sebuah aplikasi). Coba lagi sebentar lagi: Apple akan meminta Anda membagikannya. Jika tidak, berhenti gunakan Masuk dengan Apple untuk aplikasi ini di pengaturan Apple ID Anda, lalu coba lagi.",
  wantsAccess: "ingin mengakses",
  asksForScopes: "Yang diminta:",
  unverifiedClient:
    "Aplikasi ini mendaftar sendiri: namanya adalah klaimnya sendiri, tidak diperiksa oleh proyek. Lanjutkan hanya jika Anda memulainya dari aplikasi yang Anda percayai.",
  clientFromHost: "Aplikasi ini diterbitkan di",
  clientHostVerified:
    "Namanya adalah klaimnya sendiri; hanya alamat ini yang diperiksa. Lanjutkan hanya jika Anda memercayainya.",
  consentTitle: "Izinkan akses",
  consentSignedIn: "Anda sudah masuk ke",
  allow: "Izinkan",
  deny: "Tolak",
  orgPickTitle: "Pilih organisasi",
  orgPickFor: "Lanjut ke",
  orgPersonal: "Lanjut tanpa organisasi",
  orgJoin: "Bergabung",
  orgJoinable: "Domain email Anda memungkinkan Anda bergabung dengan:",
  orgNotMember: "Anda bukan anggota organisasi itu. Pilih salah satu organisasi Anda.",
  orgRequired:
    "Aplikasi ini memerlukan organisasi, dan Anda belum menjadi anggota organisasi mana pun. Minta admin mengundang Anda.",
  orgJoinFailed: "Anda tidak dapat bergabung dengan organisasi itu (mungkin sudah penuh). Pilih yang lain.",
  orgInviteTitle: "Bergabung dengan organisasi",
  orgInviteFor: "Undangan ke",
  orgInviteAccept: "Terima undangan",
  orgInviteQuestion: "Bergabung dengan {organization}?",
  orgInviteBy: "Diundang oleh {inviter} sebagai {role}.",
  orgInviteAs: "Anda diundang sebagai {role}.",
  orgInviteLater: "Nanti saja",
  orgInviteLaterHint:
    "Nanti saja membiarkan undangan tetap terbuka: tautan yang sama bisa Anda pakai untuk menerimanya nanti.",
  orgInviteWrongAccount: "Undangan ini dikirim ke alamat email lain. Keluar lalu masuk dengan alamat itu.",
  orgInviteUnusable:
    "Undangan ini tidak dapat digunakan lagi: sudah diterima, ditarik, atau kedaluwarsa. Minta undangan baru.",
  orgInviteUnknown: "Tautan undangan ini tidak berlaku untuk aplikasi ini.",
  orgInviteFull: "Organisasi ini tidak punya kursi kosong lagi. Minta admin mengosongkan satu.",
  orgInviteUnverified:
    "Konfirmasi alamat email Anda dulu: buka tautan konfirmasi yang kami kirim ke alamat itu, lalu Anda dapat " +
    "menerima undangan ini saat Anda melanjutkan ke aplikasi.",
  ssoLink: "Masuk dengan single sign-on (SSO)",
  ssoTitle: "Single sign-on",
  ssoIntro: "Masukkan email kantor Anda: kami arahkan Anda ke halaman masuk organisasi Anda.",
  ssoContinue: "Lanjutkan",
  ssoUnknown: "Belum ada single sign-on untuk alamat ini. Masuk dengan cara lain.",
  ssoRequiredTitle: "Organisasi Anda memasukkan Anda lewat penyedia identitasnya sendiri",
  ssoRequired:
    "Organisasi Anda memasukkan Anda lewat penyedia identitasnya sendiri, bukan dengan kata sandi, kode, passkey, " +
    "atau akun lain di sini. Lanjutkan dengan single sign-on.",
  ssoContinueWith: "Lanjutkan dengan single sign-on",
  ssoEmailTaken:
    "Layanan masuk organisasi Anda kini memberi Anda alamat yang dipakai akun lain di sini, jadi Anda tidak " +
    "dimasukkan. Hubungi administrator organisasi Anda.",
  ssoProviderName: "Layanan masuk {organization}",
  ssoWrongDomain:
    "Layanan masuk organisasi Anda menjamin alamat di luar domain terverifikasinya, jadi tidak dapat memasukkan Anda di sini.",
  ssoUnverified:
    "Layanan masuk organisasi Anda belum memverifikasi alamat email Anda, yang diperlukan aplikasi ini.",
  ssoNotLinked:
    "Sudah ada akun dengan alamat ini yang belum mengonfirmasinya. Konfirmasikan dulu dari dalam akun tersebut.",
  ssoFull: "Organisasi Anda tidak punya kursi kosong lagi. Mintalah kepada administratornya.",
  ssoTooManyGroups:
    "Layanan masuk organisasi Anda mengirim lebih banyak grup untuk Anda daripada yang diterima aplikasi ini, jadi " +
    "Anda tidak dimasukkan. Mintalah administrator organisasi Anda mengirim lebih sedikit grup ke aplikasi ini.",
  ssoUnavailable: "Single sign-on untuk organisasi ini sedang dimatikan. Silakan mulai lagi.",
  samlPortalOff:
    "Layanan masuk organisasi Anda mengarahkan Anda ke sini, tetapi tidak ada proses masuk yang dimulai di browser ini, dan masuk dari portal aplikasi perusahaan Anda tidak diaktifkan untuk organisasi ini. Mulailah dari aplikasi yang ingin Anda gunakan dan pilih single sign-on.",
  samlPortalNoApp:
    "Layanan masuk organisasi Anda mengarahkan Anda ke sini, tetapi tidak ada proses masuk yang dimulai di browser ini, dan aplikasi ini belum menyiapkan masuk dari portal aplikasi perusahaan Anda (tidak menyebutkan halaman untuk memulainya). Mulailah dari aplikasi yang ingin Anda gunakan dan pilih single sign-on.",
  ssoPortalTitle: "Lanjutkan masuk?",
  ssoPortalIntro: "Anda datang dari portal aplikasi organisasi Anda. Anda akan masuk sebagai:",
  ssoPortalWarning:
    "Lanjutkan hanya jika ini akun Anda. Jika Anda tidak baru saja membuka aplikasi ini dari portal perusahaan Anda, pilih Batal.",
  ssoPortalContinue: "Lanjutkan",
  ssoPortalCancel: "Batal",
  ssoPortalGone:
    "Proses masuk dari portal perusahaan Anda ini sudah kedaluwarsa atau sudah dipakai. Buka aplikasi dari portal lagi.",
  samlUnsolicited:
    "Layanan masuk organisasi Anda mengarahkan Anda ke sini, tetapi tidak ada proses masuk yang dimulai di browser ini. Mulailah dari aplikasi yang ingin Anda gunakan dan pilih single sign-on.",
  samlNotEncrypted:
    "Layanan masuk organisasi Anda mengirim jawaban yang tidak terenkripsi, sedangkan aplikasi ini hanya menerima yang terenkripsi. Mintalah administrator organisasi Anda menyalakan enkripsi assertion untuk aplikasi ini.",
  samlUndecryptable:
    "Layanan masuk organisasi Anda mengirim jawaban yang tidak dapat dibuka aplikasi ini: jawaban itu dienkripsi untuk sertifikat lain, atau diubah di tengah jalan. Mintalah administrator organisasi Anda memeriksa sertifikat enkripsi aplikasi ini.",
  signUpRefusedTitle: "Tidak ada akun baru",
  signUpClosed: "Pendaftaran untuk {app} sudah ditutup.",
  signUpInvitationOnly: "Pendaftaran untuk {app} hanya dengan undangan.",
  signUpDomainRefused: "Alamat di {domain} tidak dapat mendaftar untuk {app}.",
  signUpDisposableRefused:
    "{domain} adalah layanan email sekali pakai. Daftar ke {app} dengan alamat tetap, misalnya alamat yang Anda pakai sehari-hari.",
  signUpSubaddressRefused:
    "{app} tidak menerima alamat dengan +tag. Daftar dengan alamat Anda tanpa bagian dari + (atau = atau #) sampai @.",
  signUpEmailRequired: "Pendaftaran untuk {app} memerlukan alamat email: daftar dengan email Anda.",
  signUpRefusedHint: "Sudah punya akun? Masuk dengan akun itu.",
  signUpWaitlist: "Pendaftaran untuk {app} melalui daftar tunggu, dan alamat ini belum disetujui.",
  legalAgree: "Saya menyetujui",
  legalTerms: "Ketentuan Layanan",
  legalAnd: "dan",
  legalPrivacy: "Kebijakan Privasi",
  legalConsentMissing: "Centang kotak persetujuan ketentuan sebelum membuat akun Anda.",
  signUpConsentRequired:
    "{app} meminta akun baru menyetujui ketentuannya dulu. Buat akun Anda di halaman pendaftaran, tempat Anda dapat menyetujuinya.",
  signUpInstead: "Ke halaman pendaftaran",
  signUpContinueTitle: "Selesaikan pembuatan akun Anda",
  signUpContinueIntro: "Untuk menyelesaikan pembuatan akun Anda, setujui ketentuannya.",
  signUpContinueButton: "Lanjutkan",
  signUpContinueExpired:
    "Langkah ini sudah kedaluwarsa atau sudah dipakai. Masuk lagi untuk membuat akun Anda.",
  waitlistTitle: "Gabung daftar tunggu",
  waitlistFor: "Gabung daftar tunggu untuk",
  waitlistIntro: "Tinggalkan email Anda dan kami akan mengabari Anda saat Anda bisa membuat akun.",
  waitlistJoin: "Gabung daftar tunggu",
  waitlistJoined: "Anda sudah masuk daftar. Kami akan mengirim email saat Anda bisa mendaftar.",
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

/**
 * The page's language: `lang` (the last one: a language switch appended to an address carrying one), else the
 * request's ui_locales, else the browser's Accept-Language.
 */
export function pickLang(c: Context): Lang {
  const asked = c.req.queries("lang")?.at(-1);
  if (asked === "en" || asked === "id") return asked;
  // OIDC ui_locales: space-separated BCP 47 tags in order of preference.
  for (const tag of (c.req.query("ui_locales") ?? "").split(" ")) {
    const language = tag.slice(0, 2).toLowerCase();
    if (language === "en" || language === "id") return language;
  }
  return acceptedLang(c);
}

/** The browser's first Accept-Language as one of ours (`id` and `ms` read as Indonesian), else English. */
export function acceptedLang(c: Context): Lang {
  const accept = c.req.header("accept-language") ?? "";
  const first = accept.split(",").map((part) => part.trim().split(";")[0].toLowerCase().slice(0, 2))[0];
  return first === "id" || first === "ms" ? "id" : "en";
}
