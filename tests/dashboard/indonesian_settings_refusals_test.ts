/**
 * Refusals of the Settings and Branding pages' forms on an Indonesian dashboard page: the database's message
 * (astapa.setting_problem and the settings setters) and the forms' own in the dashboard's Indonesian
 * (lib/dashboard/text/settings_refusals.ts), after the error code's; an English page keeps the English. And every
 * message those functions and checks give has an Indonesian wording, so a changed message fails here instead of
 * falling back to English.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import {
  alertOf,
  assertWorded,
  type RefusalCase,
  testRefusals,
  withIndonesian,
} from "../helpers/indonesian_refusals.ts";
import { addDeveloperTo, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { asApp, type Tx } from "@/db/client.ts";
import { xenditKeysProblem } from "@/lib/payments/accounts.ts";
import { initiateLoginUriProblem } from "@/lib/oauth/initiate_login_uri.ts";
import { readLogoutMetadata } from "@/lib/oauth/logout_metadata.ts";
import { PROVIDER_FIELDS } from "@/lib/phone/providers/project_credentials.ts";
import { LogoProblem, readLogoHeader } from "@/lib/branding/logo_header.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "pemilik@kedai.example");
const project = await seedProject(t.db.sql, { name: "Kedai Ayu", redirectUri: "https://kedai.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
const settings = `/dashboard/projects/${project.id}/settings`;

const inIndonesian = withIndonesian(owner);

const refused = "Beberapa isian kosong atau tidak valid.";
const contrast = (await t.db.sql`select astapa.contrast_with_white('#ffff00')::text as c`)[0].c as string;

const CASES: RefusalCase[] = [
  {
    name: "a branding colour white text fails on (astapa.branding_problem)",
    path: `${settings}/branding`,
    fields: { primary_color: "#ffff00" },
    id: `${refused} branding.primary_color #ffff00 terlalu terang: teks putih di atasnya punya kontras ` +
      `${contrast}:1, sedangkan WCAG AA memerlukan paling sedikit 4.5:1. Pilih warna yang lebih gelap.`,
    en:
      `branding.primary_color #ffff00 is too light: white text on it has a contrast of ${contrast}:1, and ` +
      "WCAG AA needs at least 4.5:1. Choose a darker colour.",
  },
  {
    name: "a sign-up domain that is no domain (astapa.sign_up_domain_problem)",
    path: `${settings}/sign-up`,
    fields: { mode: "open", allowed_domains: "bad_domain" },
    id: `${refused} sign_up.allowed_domains: bad_domain bukan domain: tulis sebagai example.co.id, atau ` +
      "*.example.co.id untuk subdomainnya.",
    en:
      "sign_up.allowed_domains: bad_domain is not a domain: write it as example.co.id, or *.example.co.id for " +
      "its subdomains.",
  },
  {
    name: "guests swept after too many days (astapa.anonymous_users_settings_problem)",
    path: `${settings}/guests`,
    fields: { enabled: "on", sweep_after_days: "400" },
    id: `${refused} anonymous_users.sweep_after_days berupa bilangan bulat dari 1 sampai 365.`,
    en: "anonymous_users.sweep_after_days must be a whole number from 1 to 365.",
  },
  {
    name: "an allowed origin with a path (astapa.setting_problem)",
    path: `${settings}/origins`,
    fields: { origins: "https://app.example/login" },
    id:
      `${refused} Origin yang diizinkan https://app.example/login bukan origin: pakai scheme://host[:port] ` +
      "dalam huruf kecil, tanpa path dan tanpa garis miring di akhir (https, atau http di localhost), mis. " +
      "https://app.example.",
    en:
      "Allowed origin https://app.example/login is not an origin: use scheme://host[:port] in lower case, with " +
      "no path and no trailing slash (https, or http on localhost), e.g. https://app.example.",
  },
  {
    name: "a sender name with an @ (astapa.setting_problem)",
    path: `${settings}/mail`,
    fields: { mail_sender_name: "Kedai @ Ayu" },
    id: `${refused} mail_sender_name berisi 1 sampai 80 karakter, tanpa <, >, ", \\, @ atau baris baru.`,
    en: 'mail_sender_name must be 1 to 80 characters, without <, >, ", \\, @ or line breaks.',
  },
  {
    name: "passwords off with no other way in (api.update_project_settings)",
    path: `${settings}/sign-in-methods`,
    fields: { breached_passwords: "on", breached_password_sign_in: "on" },
    id: `${refused} Kata sandi hanya bisa dimatikan selama kode email atau passkey aktif: aktifkan salah ` +
      "satunya dulu (atau dalam perubahan yang sama).",
    en:
      "Passwords can be off only while email codes or passkeys are on: turn one of them on first (or in the " +
      "same change).",
  },
  {
    name: "an http initiate-login URI (the form's own)",
    path: `${settings}/initiate-login`,
    fields: { initiate_login_uri: "http://kedai.example/start" },
    id: `${refused} Initiate-login URI berupa URL https absolut tanpa userinfo.`,
    en: "The initiate-login URI must be an absolute https URL without userinfo.",
  },
  {
    name: "a Xendit secret key that is not a test key (the form's own)",
    path: `${settings}/xendit`,
    fields: {
      environment: "sandbox",
      action: "save",
      secret_key: "sk_live_123",
      callback_token: "token-123",
    },
    id: `${refused} Secret key sandbox harus berupa secret key test Xendit (xnd_development_…).`,
    en: "The sandbox secret key must be a Xendit test (xnd_development_…) secret key.",
  },
  {
    name: "an Apple Services ID with a space (the form's own)",
    path: `${settings}/social`,
    fields: { provider: "apple", action: "credentials", client_id: "com.kedai signin" },
    id: `${refused} Isi Services ID (pengenal seperti com.example.signin).`,
    en: "Enter the Services ID (an identifier like com.example.signin).",
  },
  {
    name: "a Microsoft tenant with a slash (the form's own)",
    path: `${settings}/social`,
    fields: {
      provider: "microsoft",
      action: "credentials",
      client_id: "11111111-2222-3333-4444-555555555555",
      client_secret: "secret",
      tenant: "contoso/evil",
    },
    id: `${refused} Tenant Microsoft adalah common, organizations, consumers, ID tenant, atau domain.`,
    en: "The Microsoft tenant is common, organizations, consumers, a tenant ID or a domain.",
  },
  {
    // The Settings page shows no messages beside its inputs: the alert names the field and says what is wrong.
    name: "a bot protection secret key with a space (a schema's own message, listed in the alert)",
    path: `${settings}/bot-protection`,
    fields: { provider: "turnstile", site_key: "0x4AAA", secret_key: "a b", on: "sign_up" },
    id: `${refused} secret_key: Secret key tidak berisi spasi.`,
    en: "Some fields are missing or invalid. secret_key: A secret key has no spaces.",
  },
];

testRefusals(t, "Indonesian settings refusals", owner, CASES);

Deno.test("Indonesian settings refusals — a logo upload without a file (the form's own)", async () => {
  for (
    const [who, says] of [[inIndonesian, `${refused} Pilih file gambar untuk diunggah.`], [
      owner,
      "Choose an image file to upload.",
    ]] as const
  ) {
    const form = new FormData();
    form.set("csrf", owner.csrf);
    form.set("action", "upload");
    const res = await t.app.request(`${settings}/logo`, {
      method: "POST",
      headers: { accept: "text/html", cookie: who.cookie },
      body: form,
    });
    assert.equal(res.status, 422);
    assert.equal(alertOf(await res.text()), says);
  }
});

/** Bad values for astapa.setting_problem, one or more for each message it (and the checks it calls) can give. */
const BAD_SETTINGS: [string, unknown][] = [
  ["access_token_ttl", 1],
  ["refresh_token_ttl", 1.5],
  ["dpop", true],
  ["require_verified_email", "yes"],
  ["mfa", {}],
  ["mfa", { policy: "optional", phone: "yes" }],
  ["mfa", { policy: "optional", remember_days: 100 }],
  ["passkeys", 1],
  ["passkey_upgrade", 1],
  ["email_codes", 1],
  ["email_code_sign_up", 1],
  ["passwords", 1],
  ["breached_passwords", 1],
  ["breached_password_sign_in", 1],
  ["allowed_origins", "https://app.example"],
  ["allowed_origins", Array.from({ length: 51 }, (_, i) => `https://app${i}.example`)],
  ["allowed_origins", ["https://app.example/"]],
  ["allowed_origins", ["https://app.example", "https://app.example"]],
  ["initiate_login_uri", "http://app.example/start"],
  ["mail_sender_name", "Kedai <Ayu>"],
  ["mail_from_address", "Kedai <halo@kedai.example>"],
  ["mail_texts", []],
  ["mail_texts", { welcome: {} }],
  ["mail_texts", { verify_email: { fr: {} } }],
  ["mail_texts", { verify_email: { en: { footer: "Bye" } } }],
  ["mail_texts", { verify_email: { en: { subject: "Two\nlines" } } }],
  ["mail_texts", { verify_email: { id: { intro: "Kode {code}" } } }],
  ["branding", []],
  ["branding", { logo: "logo.png" }],
  ["branding", { font: "Inter" }],
  ["branding", { theme: 1 }],
  ["branding", { display_name: " " }],
  ["branding", { primary_color: "blue" }],
  ["branding", { primary_color: "#ffff00" }],
  ["branding", { theme: "pink" }],
  ["branding", { terms_url: "ftp://kedai.example/terms" }],
  ["branding", { privacy_url: "privacy" }],
  ["branding", { support_email: "support" }],
  ["phone", []],
  ["phone", { enabled: "yes" }],
  ["phone", { countries: ["id"] }],
  ["phone", { daily_budget: 0 }],
  ["linked_methods", { cards: "yes" }],
  ["sign_up", []],
  ["sign_up", { mode: "secret" }],
  ["sign_up", { allowed_domains: "kedai.example" }],
  ["sign_up", { allowed_domains: Array.from({ length: 101 }, (_, i) => `d${i}.example`) }],
  ["sign_up", { allowed_domains: [1] }],
  ["sign_up", { blocked_domains: ["bücher.example"] }],
  ["sign_up", { blocked_domains: ["bad_domain"] }],
  ["sign_up", { allowed_domains: ["kedai.example", "KEDAI.example"] }],
  ["sign_up", { block_disposable_domains: "yes" }],
  ["sign_up", { block_subaddresses: 1 }],
  ["sign_up", { disposable_allowed_domains: ["bad_domain"] }],
  ["bot_protection", []],
  ["bot_protection", { provider: "recaptcha" }],
  ["bot_protection", { site_key: "a b" }],
  ["bot_protection", { secret_key_sealed: "short" }],
  ["bot_protection", { on: [] }],
  ["anonymous_users", []],
  ["anonymous_users", { enabled: "yes" }],
  ["anonymous_users", { sweep_after_days: 0 }],
  ["anonymous_users", { hourly_limit: 0 }],
  ["billing_grace_days", 400],
  ["billing_renewal_notice_days", -1],
  ["billing_trial_reminder_days", 1.5],
  ["social_login", []],
  ["social_login", { facebook: {} }],
  ["social_login", { google: [] }],
  ["social_login", { google: { enabled: "yes" } }],
  ["social_login", { github: { client_id: "abc" } }],
  ["social_login", { google: { client_id: " ", client_secret_sealed: "s".repeat(40) } }],
  ["social_login", { github: { client_id: "abc", client_secret_sealed: "short" } }],
  ["social_login", { apple: [] }],
  ["social_login", { apple: { enabled: "yes" } }],
  ["social_login", { apple: { client_id: "com.kedai.signin" } }],
  ["social_login", { microsoft: { secret: "x" } }],
  ["social_login", { microsoft: { tenant: "contoso/evil" } }],
  ["social_login", { microsoft: { tenant: 42 } }],
  ...[
    { client_id: "com kedai", team_id: "ABCDE12345", key_id: "ABCDE12345" },
    { client_id: "com.kedai.signin", team_id: "abc", key_id: "ABCDE12345" },
    { client_id: "com.kedai.signin", team_id: "ABCDE12345", key_id: "abc" },
    {
      client_id: "com.kedai.signin",
      team_id: "ABCDE12345",
      key_id: "ABCDE12345",
      private_key_sealed: "short",
    },
  ].map((apple): [string, unknown] => [
    "social_login",
    { apple: { private_key_sealed: "k".repeat(40), ...apple } },
  ]),
  ["logout", []],
  ["logout", { post_logout_redirect_uris: ["not a url"] }],
  ["logout", { backchannel_logout_uri: "not a url" }],
  ["logout", { backchannel_logout_session_required: "yes" }],
  ["theme", "dark"],
];

Deno.test("Indonesian settings refusals — every problem astapa.setting_problem gives has the dashboard's Indonesian", async () => {
  for (const [key, value] of BAD_SETTINGS) {
    const [{ problem }] = await t.db.sql`select astapa.setting_problem(${key}, ${
      t.db.sql.json(value as never)
    })
      as problem`;
    assert.ok(problem, `${key} ${JSON.stringify(value)} is refused`);
    assertWorded("validation_failed", problem, key);
  }
  const sizes = await t.db.sql`select astapa.settings_size_problem(${
    t.db.sql.json({ x: "a".repeat(17000) })
  }) as a,
    astapa.settings_size_problem(${t.db.sql.json({ mail_texts: { x: "a".repeat(132000) } })}) as b`;
  for (const problem of [sizes[0].a, sizes[0].b]) {
    assert.ok(problem);
    assertWorded("validation_failed", problem, "settings_size_problem");
  }
});

Deno.test("Indonesian settings refusals — every refusal of the settings setters has the dashboard's Indonesian", async () => {
  const calls: ((tx: Tx) => Promise<unknown>)[] = [
    (tx) => tx`select api.update_project_settings(${project.id}, '{}')`,
    (tx) => tx`select api.update_project_settings(${project.id}, '{"passwords": false}')`,
    (tx) => tx`select api.update_project_settings(${project.id}, '{"branding": {"theme": "pink"}}')`,
    (tx) => tx`select api.update_anonymous_user_settings(${project.id}, '{"hourly_limit": 0}')`,
    (tx) => tx`select api.update_logout_settings(${project.id}, '[]')`,
    (tx) => tx`select api.update_logout_settings(${project.id}, '{"backchannel_logout_uri": "x"}')`,
    (tx) => tx`select api.set_xendit_keys(${project.id}, 'staging', null, null)`,
    (tx) => tx`select api.set_xendit_public_key(${project.id}, 'sandbox', 'pk_test_123')`,
    (tx) => tx`select api.set_xendit_public_key(${project.id}, 'sandbox', 'xnd_public_production_abc')`,
    (tx) => tx`select api.set_xendit_public_key(${project.id}, 'sandbox', 'xnd_public_development_abc')`,
    (tx) => tx`select api.set_phone_provider_credentials(${project.id}, 'sms', null, null)`,
    (tx) => tx`select api.set_phone_provider_credentials(${project.id}, 'zenziva', '\\x01'::bytea, null)`,
    (tx) => tx`select api.set_project_logo(${project.id}, 'image/gif', '\\x01'::bytea, 1, 1)`,
    (tx) => tx`select api.set_project_logo(${project.id}, 'image/png', ''::bytea, 1, 1)`,
    (tx) => tx`select api.set_project_logo(${project.id}, 'image/png', '\\x01'::bytea, 4096, 1)`,
  ];
  for (const call of calls) {
    const thrown = await asApp(t.db.sql, project.id, call).then(() => undefined, (error) => error);
    assert.ok(thrown, String(call));
    const error = toAppError(thrown);
    assert.ok(["validation_failed", "conflict"].includes(error.code), String(thrown));
    assertWorded(error.code, error.description, String(call));
    for (const [field, problems] of Object.entries(error.fields ?? {})) {
      for (const problem of problems) assertWorded(error.code, problem, field);
    }
  }
});

Deno.test("Indonesian settings refusals — every refusal the settings forms make themselves has the dashboard's Indonesian", () => {
  const own: string[] = [
    xenditKeysProblem("sandbox", { secretKey: "sk_123", callbackToken: "token-123" }),
    xenditKeysProblem("production", { secretKey: "xnd_development_abcdefgh", callbackToken: "token-123" }),
    xenditKeysProblem("sandbox", { secretKey: "xnd_development_abcdefgh", callbackToken: "short" }),
    ...[
      "x".repeat(2001),
      "https://app.example/#start",
      "http://app.example/start",
      "https://app.example:99999",
    ]
      .map((uri) => `The initiate-login URI ${initiateLoginUriProblem(uri)}.`),
    ...[{ backchannel_logout_uri: "not a url" }, { post_logout_redirect_uris: ["http://app.example"] }]
      .map((raw) => (readLogoutMetadata(raw) as { problem: string }).problem),
    ...PROVIDER_FIELDS.whatsapp_cloud.safeParse({ access_token: "t", phone_number_id: "x", template: "A" })
      .error!.issues.map((issue) => issue.message),
    ...PROVIDER_FIELDS.twilio_verify.safeParse({ account_sid: "x", auth_token: "t", service_sid: "x" })
      .error!.issues.map((issue) => issue.message),
    "Enter both the client id and the client secret of your OAuth app.",
    "The Team ID and the Key ID are 10 capital letters and digits each.",
    "Paste the private key (the .p8 file's text).",
    "That private key is not the .p8 file Apple gave for Sign in with Apple (PKCS#8, P-256).",
    "Enter the access token of your account.",
    "The from address must be at kedai.example (MAIL_FROM_DOMAINS): mail from another domain fails its SPF and " +
    "DKIM checks.",
  ].map((message) => message ?? "(no problem)");
  const png = new Uint8Array(16);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (
    const [bytes, declared] of [
      [new Uint8Array(0), "image/png"],
      [new Uint8Array(300 * 1024), "image/png"],
      [new TextEncoder().encode("<svg/>"), "image/svg+xml"],
      [png, "image/jpeg"],
      [png, "image/png"],
    ] as const
  ) {
    try {
      readLogoHeader(bytes, declared);
      own.push(`(a ${declared} of ${bytes.length} bytes was accepted)`);
    } catch (error) {
      if (!(error instanceof LogoProblem)) throw error;
      own.push(error.message);
    }
  }
  for (const message of own) assertWorded("validation_failed", message, "the form's own");
});
