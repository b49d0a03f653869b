/**
 * The database's refusals of the Settings page's forms (and the Branding page's) — astapa.setting_problem and
 * the checks it calls, api.update_project_settings, the Xendit, phone provider and logo setters — and the forms'
 * own, with their Indonesian. lib/dashboard/refusal_text.ts looks them up after text/refusals.ts, by error code
 * (SETTINGS_REFUSAL_CODES) and exact English, in this order: a generic entry ("{setting} must be true or false.")
 * comes after the specific ones it would also match. Keep each English as the SQL (or the form) says it.
 */
import type { ErrorCode } from "@/lib/http/errors.ts";
import { catalogue } from "./catalogue.ts";

export const SETTINGS_REFUSALS_TEXT = catalogue({
  // astapa.setting_problem (db/api/projects.sql), through api.update_project_settings and the setters on it.
  settingSeconds: "{setting} must be a whole number of seconds from {min} to {max}.",
  settingDays: "{setting} must be a whole number of days from 0 to 365.",
  settingUnknown: "{setting} is not a setting this function changes.",
  dpop: 'dpop must be {"required": true | false}.',
  mfa: 'mfa must be {"policy": "off" | "optional" | "required"}, optionally with remember_days and phone.',
  mfaPhone: "mfa.phone (a phone code as second factor) must be true or false.",
  mfaRememberDays: "mfa.remember_days must be a whole number of days from 0 to 90.",
  originsList: "allowed_origins must be a list of origins.",
  originsLimit: "A project may allow at most 50 origins.",
  originInvalid:
    "Allowed origin {origin} is not an origin: use scheme://host[:port] in lower case, with no path and no " +
    "trailing slash (https, or http on localhost), e.g. https://app.example.",
  originTwice: "Each allowed origin may be listed once.",
  initiateLoginSetting:
    "initiate_login_uri must be an absolute https URL without a fragment, whitespace or userinfo.",
  mailSenderName: 'mail_sender_name must be 1 to 80 characters, without <, >, ", \\, @ or line breaks.',
  mailFromAddress: "mail_from_address must be a plain email address such as halo@shop.example.",
  settingsEmpty: "Give the settings to change as a non-empty JSON object.",
  passwordsOff:
    "Passwords can be off only while email codes or passkeys are on: turn one of them on first (or in the same " +
    "change).",
  settingsSize: "Project settings must stay within 16 KiB (the mail texts aside).",
  mailTextsSize: "The mail texts (settings.mail_texts) must stay within 128 KiB.",
  // astapa.social_provider_problem, astapa.apple_provider_problem.
  socialObject: "social_login must be an object with google, github, apple and/or microsoft.",
  socialProvider: "Social sign-in providers are google, github, apple and microsoft, not {provider}.",
  microsoftKeys: "social_login.microsoft takes enabled, client_id, client_secret_sealed and tenant only.",
  microsoftTenant: "The Microsoft tenant is common, organizations, consumers, a tenant ID or a domain.",
  socialKeys: "social_login.{provider} takes enabled, client_id and client_secret_sealed only.",
  socialBoth: "social_login.{provider} needs both a client id and a client secret.",
  socialClientId: "The {provider} client id must be 1 to 500 characters.",
  socialSecret: "The {provider} client secret must be sealed by the server (base64url).",
  appleKeys: "social_login.apple takes enabled, client_id, team_id, key_id and private_key_sealed only.",
  appleAll: "social_login.apple needs all of a Services ID, a Team ID, a Key ID and a private key.",
  appleServicesId: "The Apple Services ID looks like com.example.signin (letters, digits, dots and hyphens).",
  appleTeamId: "The Apple Team ID is 10 capital letters and digits.",
  appleKeyId: "The Apple Key ID is 10 capital letters and digits.",
  applePrivateKey: "The Apple private key must be sealed by the server (base64url).",
  // astapa.mail_texts_problem.
  mailTextsObject:
    "mail_texts must be an object keyed by the kind of mail (verify_email, reset_password, email_code, …).",
  mailTextsKind: "mail_texts.{kind}: the kinds are {kinds}, each an object by language (en, id).",
  mailTextsLang: "mail_texts.{kind}.{lang}: the languages are en and id, each {subject?, intro?, closing?}.",
  mailTextsField:
    "mail_texts.{kind}.{lang}.{field}: only subject, intro and closing can be changed; the link, the code and " +
    "the security note stay Astapa's.",
  mailTextsLine: "mail_texts.{kind}.{lang}.{field} must be one line of text, at most {longest} characters.",
  mailTextsPlaceholder:
    "mail_texts.{kind}.{lang}.{field}: {{placeholder}} is not a placeholder of this mail; it has {placeholders}.",
  // astapa.branding_problem, api.set_project_logo (db/api/branding.sql).
  brandingObject:
    "branding must be an object: display_name, primary_color, theme, terms_url, privacy_url, support_email.",
  brandingLogo: "branding.logo is set by uploading an image, not as a setting.",
  brandingUnknown: "branding.{field} is not a branding setting.",
  brandingString: "branding.{field} must be a string.",
  brandingDisplayName: "branding.display_name must be one line of 1 to 80 characters.",
  brandingColor: "branding.primary_color must be a colour written #rrggbb, e.g. #1d4ed8.",
  brandingTooLight:
    "branding.primary_color {color} is too light: white text on it has a contrast of {contrast}:1, and WCAG AA " +
    "needs at least 4.5:1. Choose a darker colour.",
  brandingTheme: "branding.theme must be light, dark or auto (the visitor's system setting).",
  brandingUrl:
    "branding.{field} must be an http(s) address of at most 500 characters, e.g. https://example.com/{page}.",
  brandingEmail: "branding.support_email must be one email address, e.g. support@example.com.",
  logoType: "The logo must be a PNG, JPEG or WebP image.",
  logoBytes: "The logo must be at most 256 KB.",
  logoPixels: "The logo must be at most 2048 × 2048 pixels.",
  // astapa.phone_settings_problem, api.set_phone_provider_credentials (db/api/phone.sql).
  phoneObject: "phone must be an object with enabled, signup, countries, daily_budget and/or hourly_limit.",
  phoneSwitches: "phone.enabled and phone.signup must be true or false.",
  phoneCountries: 'phone.countries must list 1 to 50 two-letter country codes in capitals, e.g. ["ID"].',
  phoneLimits:
    "phone.daily_budget and phone.hourly_limit must be whole numbers of messages from 1 to 1000000.",
  phoneProvider: "provider must be whatsapp_cloud, twilio_verify or zenziva.",
  phoneHint: "hint must be 1 to 100 characters.",
  // astapa.linked_methods_settings_problem.
  linkedMethods:
    'linked_methods must be {"enabled": true|false, "shopeepay": true|false, "gopay_recurring": true|false, ' +
    '"direct_debit": true|false, "cards": true|false} (enable each only once Xendit has activated it for your ' +
    "account).",
  // astapa.sign_up_settings_problem, astapa.sign_up_domain_problem (db/api/sign_up_rules.sql).
  signUpKeys: "sign_up takes mode, allowed_domains, blocked_domains, block_disposable_domains, " +
    "disposable_allowed_domains, block_subaddresses and require_legal_consent only.",
  legalConsentLinks:
    "Legal consent at sign-up needs a terms of service or privacy policy address: set branding.terms_url or " +
    "branding.privacy_url first (or in the same change).",
  signUpMode: "sign_up.mode must be open, invitation, waitlist or closed.",
  signUpList: "sign_up.{list} must be a list of domains.",
  signUpLimit: "sign_up.{list} may hold at most 100 domains.",
  signUpDomainString: "sign_up.{list}: Each domain must be a string such as example.co.id.",
  signUpDomainAscii: "sign_up.{list}: {domain}: write an internationalised domain in its ASCII (xn--) form.",
  signUpDomainForm:
    "sign_up.{list}: {domain} is not a domain: write it as example.co.id, or *.example.co.id for its subdomains.",
  signUpTwice: "sign_up.{list} lists a domain twice.",
  // astapa.bot_protection_problem (db/api/bot_protection.sql).
  botKeys: "bot_protection takes provider, site_key, secret_key_sealed and on only.",
  botProvider: "bot_protection.provider must be turnstile or hcaptcha.",
  botSiteKey: "bot_protection.site_key must be the provider's site key: 1 to 100 letters, digits, - or _.",
  botSecret: "bot_protection.secret_key_sealed must be sealed by the server (base64url).",
  botOn:
    "bot_protection.on must list one or more of sign_up, sign_in, forgot, email_code, phone, passkey_sign_up, " +
    "resend and anonymous, each once.",
  // astapa.anonymous_users_settings_problem (db/api/anonymous_users.sql).
  guestsKeys: "anonymous_users takes enabled, sweep_after_days and hourly_limit only.",
  guestsNumber: "anonymous_users.{setting} must be a whole number from {min} to {max}.",
  // astapa.logout_setting_problem, api.update_logout_settings (db/api/backchannel_logout.sql).
  logoutObject: "logout must be an object with post_logout_redirect_uris, backchannel_logout_uri and " +
    "backchannel_logout_session_required.",
  logoutRedirects:
    "logout.post_logout_redirect_uris must be at most 20 absolute URLs (https, or http on localhost), without " +
    "fragments.",
  logoutBackchannel:
    "logout.backchannel_logout_uri must be an absolute URL (https, or http on localhost), without a fragment.",
  logoutPublic: "A production project's logout tokens must go to a public address: {reason}",
  logoutChanges: "Give the logout settings to change as a JSON object.",
  // api.set_xendit_keys (db/api/payments.sql), astapa.xendit_public_key_problem, api.set_xendit_public_key.
  xenditEnvironment: "environment must be sandbox or production.",
  xenditPublicKey: "Must be a Xendit public key (xnd_public_…).",
  xenditPublicKeyEnvironment: "Must be a development key for sandbox and a production key for production.",
  xenditKeysFirst: "Set the secret key and callback token of this environment first.",
  // The settings forms' own (routes/dashboard/projects/[id]/settings/; their checks in lib/).
  xenditLiveKey: "The production secret key must be a Xendit live (xnd_production_…) secret key.",
  xenditTestKey: "The sandbox secret key must be a Xendit test (xnd_development_…) secret key.",
  xenditToken: "Enter the webhook verification token from Xendit's dashboard (Settings → Webhooks).",
  initiateLoginLength: "The initiate-login URI must be a URL of 1–2000 characters.",
  initiateLoginFragment: "The initiate-login URI must not contain a fragment or whitespace.",
  initiateLoginUserinfo: "The initiate-login URI must be an absolute https URL without userinfo.",
  initiateLoginHttps: "The initiate-login URI must be an absolute https URL.",
  logoutUri:
    "{field}: must be an absolute https URL (http only on 127.0.0.1, localhost or [::1]), without a fragment",
  socialEnterBoth: "Enter both the client id and the client secret of your OAuth app.",
  appleEnterServicesId: "Enter the Services ID (an identifier like com.example.signin).",
  appleEnterIds: "The Team ID and the Key ID are 10 capital letters and digits each.",
  applePasteKey: "Paste the private key (the .p8 file's text).",
  appleNotP8: "That private key is not the .p8 file Apple gave for Sign in with Apple (PKCS#8, P-256).",
  mailFromDomain:
    "The from address must be at {domains} (MAIL_FROM_DOMAINS): mail from another domain fails its SPF and " +
    "DKIM checks.",
  phoneEnterField: "Enter the {field} of your account.",
  phoneNumberId: "The phone number id is the number Meta shows (digits).",
  phoneTemplate: "A template name is lower case, digits and _.",
  twilioAccountSid: "A Twilio account SID is AC and 32 hex digits.",
  twilioServiceSid: "A Verify service SID is VA and 32 hex digits.",
  // The logo upload (logo.tsx; lib/branding/logo_header.ts and logo_image.ts decode the file).
  logoChoose: "Choose an image file to upload.",
  logoEmpty: "Choose an image file: this one is empty.",
  logoTooBig: "The logo is {size} KB; it may be at most 256 KB.",
  logoNotImage:
    "The logo must be a PNG, JPEG or WebP image, and this file is none of them (SVG is not accepted).",
  logoMislabelled: "The file is called {declared} but its contents are {type}: upload it as what it is.",
  logoTooManyPixels: "The logo is {width}×{height} pixels; it may be at most {max}×{max}.",
  logoUndecodable: "The {format} file is damaged: it cannot be decoded.",
  logoSizeDisagrees: "The image's header and its data disagree about its size.",
  logoPngHeader: "The PNG file is damaged: its header is missing.",
  logoJpegCoding: "This JPEG uses a coding (lossless or arithmetic) that browsers do not show.",
  logoJpegHeader: "The JPEG file is damaged: no image header was found.",
  logoWebpLength: "The WebP file is damaged: its length does not match its header.",
  logoWebpChunk: "The WebP file is damaged: a chunk is cut short.",
  logoWebpVp8: "The WebP file is damaged: its image data does not start as VP8 should.",
  logoWebpLossless: "The WebP file is damaged: its lossless header is wrong.",
  logoWebpAnimated: "Animated WebP images are not accepted as a logo.",
  logoWebpEmpty: "The WebP file is damaged: it holds no image.",
  // Last: any other switch (require_verified_email, passkeys, social_login.google.enabled…), after the specific ones.
  settingBoolean: "{setting} must be true or false.",
}, {
  settingSeconds: "{setting} berupa bilangan bulat detik dari {min} sampai {max}.",
  settingDays: "{setting} berupa bilangan bulat hari dari 0 sampai 365.",
  settingUnknown: "{setting} bukan pengaturan yang diubah oleh fungsi ini.",
  dpop: 'dpop berupa {"required": true | false}.',
  mfa: 'mfa berupa {"policy": "off" | "optional" | "required"}, boleh disertai remember_days dan phone.',
  mfaPhone: "mfa.phone (kode telepon sebagai faktor kedua) berupa true atau false.",
  mfaRememberDays: "mfa.remember_days berupa bilangan bulat hari dari 0 sampai 90.",
  originsList: "allowed_origins berupa daftar origin.",
  originsLimit: "Satu proyek paling banyak mengizinkan 50 origin.",
  originInvalid:
    "Origin yang diizinkan {origin} bukan origin: pakai scheme://host[:port] dalam huruf kecil, tanpa path dan " +
    "tanpa garis miring di akhir (https, atau http di localhost), mis. https://app.example.",
  originTwice: "Setiap origin yang diizinkan hanya boleh dicantumkan sekali.",
  initiateLoginSetting: "initiate_login_uri berupa URL https absolut tanpa fragmen, spasi atau userinfo.",
  mailSenderName: 'mail_sender_name berisi 1 sampai 80 karakter, tanpa <, >, ", \\, @ atau baris baru.',
  mailFromAddress: "mail_from_address berupa alamat email biasa seperti halo@shop.example.",
  settingsEmpty: "Berikan pengaturan yang akan diubah sebagai objek JSON yang tidak kosong.",
  passwordsOff:
    "Kata sandi hanya bisa dimatikan selama kode email atau passkey aktif: aktifkan salah satunya dulu (atau " +
    "dalam perubahan yang sama).",
  settingsSize: "Pengaturan proyek paling besar 16 KiB (di luar teks email).",
  mailTextsSize: "Teks email (settings.mail_texts) paling besar 128 KiB.",
  socialObject: "social_login berupa objek dengan google, github, apple dan/atau microsoft.",
  socialProvider: "Penyedia masuk sosial adalah google, github, apple dan microsoft, bukan {provider}.",
  microsoftKeys: "social_login.microsoft hanya menerima enabled, client_id, client_secret_sealed dan tenant.",
  microsoftTenant: "Tenant Microsoft adalah common, organizations, consumers, ID tenant, atau domain.",
  socialKeys: "social_login.{provider} hanya menerima enabled, client_id dan client_secret_sealed.",
  socialBoth: "social_login.{provider} memerlukan client id dan client secret sekaligus.",
  socialClientId: "Client id {provider} berisi 1 sampai 500 karakter.",
  socialSecret: "Client secret {provider} harus disegel oleh server (base64url).",
  appleKeys: "social_login.apple hanya menerima enabled, client_id, team_id, key_id dan private_key_sealed.",
  appleAll: "social_login.apple memerlukan semuanya: Services ID, Team ID, Key ID dan kunci privat.",
  appleServicesId:
    "Services ID Apple berbentuk seperti com.example.signin (huruf, angka, titik dan tanda hubung).",
  appleTeamId: "Team ID Apple berisi 10 huruf kapital dan angka.",
  appleKeyId: "Key ID Apple berisi 10 huruf kapital dan angka.",
  applePrivateKey: "Kunci privat Apple harus disegel oleh server (base64url).",
  mailTextsObject:
    "mail_texts berupa objek dengan jenis email sebagai key (verify_email, reset_password, email_code, …).",
  mailTextsKind:
    "mail_texts.{kind}: jenisnya adalah {kinds}, masing-masing berupa objek per bahasa (en, id).",
  mailTextsLang: "mail_texts.{kind}.{lang}: bahasanya en dan id, masing-masing {subject?, intro?, closing?}.",
  mailTextsField:
    "mail_texts.{kind}.{lang}.{field}: hanya subject, intro dan closing yang bisa diubah; tautan, kode dan " +
    "catatan keamanan tetap milik Astapa.",
  mailTextsLine: "mail_texts.{kind}.{lang}.{field} berupa satu baris teks, paling banyak {longest} karakter.",
  mailTextsPlaceholder:
    "mail_texts.{kind}.{lang}.{field}: {{placeholder}} bukan placeholder email ini; placeholder-nya {placeholders}.",
  brandingObject:
    "branding berupa objek: display_name, primary_color, theme, terms_url, privacy_url, support_email.",
  brandingLogo: "branding.logo diatur dengan mengunggah gambar, bukan sebagai pengaturan.",
  brandingUnknown: "branding.{field} bukan pengaturan branding.",
  brandingString: "branding.{field} berupa teks.",
  brandingDisplayName: "branding.display_name berupa satu baris berisi 1 sampai 80 karakter.",
  brandingColor: "branding.primary_color berupa warna yang ditulis #rrggbb, mis. #1d4ed8.",
  brandingTooLight:
    "branding.primary_color {color} terlalu terang: teks putih di atasnya punya kontras {contrast}:1, sedangkan " +
    "WCAG AA memerlukan paling sedikit 4.5:1. Pilih warna yang lebih gelap.",
  brandingTheme: "branding.theme berupa light, dark atau auto (mengikuti pengaturan sistem pengunjung).",
  brandingUrl:
    "branding.{field} berupa alamat http(s) paling banyak 500 karakter, mis. https://example.com/{page}.",
  brandingEmail: "branding.support_email berupa satu alamat email, mis. support@example.com.",
  logoType: "Logo harus berupa gambar PNG, JPEG atau WebP.",
  logoBytes: "Logo paling besar 256 KB.",
  logoPixels: "Logo paling besar 2048 × 2048 piksel.",
  phoneObject: "phone berupa objek dengan enabled, signup, countries, daily_budget dan/atau hourly_limit.",
  phoneSwitches: "phone.enabled dan phone.signup berupa true atau false.",
  phoneCountries: 'phone.countries berisi 1 sampai 50 kode negara dua huruf kapital, mis. ["ID"].',
  phoneLimits:
    "phone.daily_budget dan phone.hourly_limit berupa bilangan bulat jumlah pesan dari 1 sampai 1000000.",
  phoneProvider: "provider berupa whatsapp_cloud, twilio_verify atau zenziva.",
  phoneHint: "hint berisi 1 sampai 100 karakter.",
  linkedMethods:
    'linked_methods berupa {"enabled": true|false, "shopeepay": true|false, "gopay_recurring": true|false, ' +
    '"direct_debit": true|false, "cards": true|false} (aktifkan masing-masing hanya setelah Xendit ' +
    "mengaktifkannya untuk akun Anda).",
  signUpKeys: "sign_up hanya menerima mode, allowed_domains, blocked_domains, block_disposable_domains, " +
    "disposable_allowed_domains, block_subaddresses dan require_legal_consent.",
  legalConsentLinks:
    "Persetujuan hukum saat mendaftar memerlukan alamat ketentuan layanan atau kebijakan privasi: atur dulu " +
    "branding.terms_url atau branding.privacy_url (atau dalam perubahan yang sama).",
  signUpMode: "sign_up.mode berupa open, invitation, waitlist atau closed.",
  signUpList: "sign_up.{list} berupa daftar domain.",
  signUpLimit: "sign_up.{list} paling banyak berisi 100 domain.",
  signUpDomainString: "sign_up.{list}: Setiap domain berupa teks seperti example.co.id.",
  signUpDomainAscii: "sign_up.{list}: {domain}: tulis domain internasional dalam bentuk ASCII-nya (xn--).",
  signUpDomainForm:
    "sign_up.{list}: {domain} bukan domain: tulis sebagai example.co.id, atau *.example.co.id untuk subdomainnya.",
  signUpTwice: "sign_up.{list} mencantumkan satu domain dua kali.",
  botKeys: "bot_protection hanya menerima provider, site_key, secret_key_sealed dan on.",
  botProvider: "bot_protection.provider berupa turnstile atau hcaptcha.",
  botSiteKey: "bot_protection.site_key berupa site key dari penyedia: 1 sampai 100 huruf, angka, - atau _.",
  botSecret: "bot_protection.secret_key_sealed harus disegel oleh server (base64url).",
  botOn:
    "bot_protection.on berisi satu atau lebih dari sign_up, sign_in, forgot, email_code, phone, passkey_sign_up, " +
    "resend dan anonymous, masing-masing sekali.",
  guestsKeys: "anonymous_users hanya menerima enabled, sweep_after_days dan hourly_limit.",
  guestsNumber: "anonymous_users.{setting} berupa bilangan bulat dari {min} sampai {max}.",
  logoutObject: "logout berupa objek dengan post_logout_redirect_uris, backchannel_logout_uri dan " +
    "backchannel_logout_session_required.",
  logoutRedirects:
    "logout.post_logout_redirect_uris berisi paling banyak 20 URL absolut (https, atau http di localhost), tanpa " +
    "fragmen.",
  logoutBackchannel:
    "logout.backchannel_logout_uri berupa URL absolut (https, atau http di localhost), tanpa fragmen.",
  logoutPublic: "Logout token proyek produksi harus menuju alamat publik: {reason}",
  logoutChanges: "Berikan pengaturan logout yang akan diubah sebagai objek JSON.",
  xenditEnvironment: "environment berupa sandbox atau production.",
  xenditPublicKey: "Harus berupa public key Xendit (xnd_public_…).",
  xenditPublicKeyEnvironment:
    "Harus berupa key development untuk sandbox dan key production untuk production.",
  xenditKeysFirst: "Atur dulu secret key dan callback token untuk environment ini.",
  xenditLiveKey: "Secret key production harus berupa secret key live Xendit (xnd_production_…).",
  xenditTestKey: "Secret key sandbox harus berupa secret key test Xendit (xnd_development_…).",
  xenditToken: "Isi token verifikasi webhook dari dasbor Xendit (Settings → Webhooks).",
  initiateLoginLength: "Initiate-login URI berupa URL berisi 1–2000 karakter.",
  initiateLoginFragment: "Initiate-login URI tidak boleh berisi fragmen atau spasi.",
  initiateLoginUserinfo: "Initiate-login URI berupa URL https absolut tanpa userinfo.",
  initiateLoginHttps: "Initiate-login URI berupa URL https absolut.",
  logoutUri:
    "{field}: berupa URL https absolut (http hanya di 127.0.0.1, localhost atau [::1]), tanpa fragmen",
  socialEnterBoth: "Isi client id dan client secret aplikasi OAuth Anda.",
  appleEnterServicesId: "Isi Services ID (pengenal seperti com.example.signin).",
  appleEnterIds: "Team ID dan Key ID masing-masing berisi 10 huruf kapital dan angka.",
  applePasteKey: "Tempel kunci privat (isi file .p8).",
  appleNotP8:
    "Kunci privat itu bukan file .p8 yang diberikan Apple untuk Sign in with Apple (PKCS#8, P-256).",
  mailFromDomain:
    "Alamat pengirim harus di {domains} (MAIL_FROM_DOMAINS): email dari domain lain gagal dalam pemeriksaan SPF " +
    "dan DKIM.",
  phoneEnterField: "Isi {field} akun Anda.",
  phoneNumberId: "Phone number id adalah nomor yang ditampilkan Meta (angka).",
  phoneTemplate: "Nama template berisi huruf kecil, angka dan _.",
  twilioAccountSid: "Account SID Twilio berupa AC dan 32 digit heksadesimal.",
  twilioServiceSid: "Service SID Verify berupa VA dan 32 digit heksadesimal.",
  logoChoose: "Pilih file gambar untuk diunggah.",
  logoEmpty: "Pilih file gambar: file ini kosong.",
  logoTooBig: "Logo ini {size} KB; paling besar 256 KB.",
  logoNotImage:
    "Logo harus berupa gambar PNG, JPEG atau WebP, dan file ini bukan salah satunya (SVG tidak diterima).",
  logoMislabelled: "File ini disebut {declared} tetapi isinya {type}: unggah sesuai jenis aslinya.",
  logoTooManyPixels: "Logo ini {width}×{height} piksel; paling besar {max}×{max}.",
  logoUndecodable: "File {format} ini rusak: tidak dapat didekode.",
  logoSizeDisagrees: "Header gambar dan datanya tidak sepakat tentang ukurannya.",
  logoPngHeader: "File PNG ini rusak: header-nya tidak ada.",
  logoJpegCoding: "JPEG ini memakai pengodean (lossless atau aritmetika) yang tidak ditampilkan browser.",
  logoJpegHeader: "File JPEG ini rusak: header gambarnya tidak ditemukan.",
  logoWebpLength: "File WebP ini rusak: panjangnya tidak sesuai dengan header-nya.",
  logoWebpChunk: "File WebP ini rusak: ada chunk yang terpotong.",
  logoWebpVp8: "File WebP ini rusak: data gambarnya tidak diawali seperti seharusnya VP8.",
  logoWebpLossless: "File WebP ini rusak: header lossless-nya salah.",
  logoWebpAnimated: "Gambar WebP beranimasi tidak diterima sebagai logo.",
  logoWebpEmpty: "File WebP ini rusak: tidak berisi gambar.",
  settingBoolean: "{setting} berupa true atau false.",
});

type SettingsRefusalKey = keyof typeof SETTINGS_REFUSALS_TEXT.en;

/** Every one is AS400 (validation_failed) or the form's own refusal, but for the public key set too early (AS409). */
export const SETTINGS_REFUSAL_CODES = Object.fromEntries(
  (Object.keys(SETTINGS_REFUSALS_TEXT.en) as SettingsRefusalKey[]).map((key) => [
    key,
    key === "xenditKeysFirst" ? "conflict" : "validation_failed",
  ]),
) as Record<SettingsRefusalKey, ErrorCode>;
