/** Environment → typed configuration. Fails fast at boot with one readable message per bad variable. */
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.url().optional();
const emptyAsUnset = (value: unknown) => value === "" ? undefined : value;
/** How long a call to a service Astapa does not control may take, in milliseconds. */
const timeoutMs = z.coerce.number().int().min(100).max(600_000);
/**
 * A Microsoft tenant as it goes in the authority's path: common, organizations, consumers, a tenant ID (GUID) or
 * a domain. The same rule in SQL: astapa.social_provider_problem.
 */
export const MICROSOFT_TENANT_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

const EnvSchema = z.object({
  PORT: z.preprocess(emptyAsUnset, port.default(8000)),
  HOSTNAME: z.preprocess(emptyAsUnset, z.string().default("0.0.0.0")),
  ASTAPA_BASE_URL: z.preprocess(emptyAsUnset, optionalUrl),
  DATABASE_URL: z.preprocess(
    emptyAsUnset,
    z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  ),
  ASTAPA_DATA_DIR: z.preprocess(emptyAsUnset, z.string().default("./.astapa")),
  ASTAPA_DB_POOL_SIZE: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(100).default(10)),
  ASTAPA_WORKERS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(16).default(1)),
  ASTAPA_STOP_TIMEOUT_SECONDS: z.preprocess(
    emptyAsUnset,
    z.coerce.number().int().min(1).max(3600).default(15),
  ),
  ASTAPA_CLIENT_CACHE_SECONDS: z.preprocess(
    emptyAsUnset,
    z.coerce.number().int().min(0).max(3600).default(30),
  ),
  ASTAPA_MASTER_KEY: z.preprocess(emptyAsUnset, z.string().min(32).optional()),
  ASTAPA_MASTER_KEY_PREVIOUS: z.preprocess(
    emptyAsUnset,
    z.string().max(2000).transform((list) => list.split(",").map((secret) => secret.trim())).pipe(
      z.array(z.string().min(32, "each earlier master key has at least 32 characters")).max(8),
    ).optional(),
  ),
  ASTAPA_KEY_ROTATION_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(3650).optional()),
  ASTAPA_LOG_LEVEL: z.preprocess(emptyAsUnset, z.enum(["debug", "info", "warn", "error"]).default("info")),
  ASTAPA_TRUST_PROXY: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(10).default(0)),
  MAIL_FROM: z.preprocess(emptyAsUnset, z.string().max(200).optional()),
  MAIL_FROM_DOMAINS: z.preprocess(
    emptyAsUnset,
    z.string().max(2000).regex(
      /^\s*[A-Za-z0-9.-]+(\s*,\s*[A-Za-z0-9.-]+)*\s*$/,
      "must be domain names separated by commas",
    ).optional(),
  ),
  ASTAPA_RS256_SIGNER: z.preprocess(emptyAsUnset, z.enum(["auto", "webcrypto"]).default("auto")),
  ASTAPA_LIBCRYPTO: z.preprocess(emptyAsUnset, z.string().optional()),
  SMTP_URL: z.preprocess(emptyAsUnset, z.string().regex(/^smtps?:\/\//, "must be an smtp:// URL").optional()),
  XENDIT_SECRET_KEY: z.preprocess(emptyAsUnset, z.string().optional()),
  XENDIT_CALLBACK_TOKEN: z.preprocess(emptyAsUnset, z.string().optional()),
  XENDIT_BASE_URL: z.preprocess(emptyAsUnset, optionalUrl),
  XENDIT_PUBLIC_KEY: z.preprocess(emptyAsUnset, z.string().regex(/^xnd_public_\w+$/).optional()),
  XENDIT_JS_URL: z.preprocess(emptyAsUnset, optionalUrl),
  XENDIT_TIMEOUT_MS: z.preprocess(emptyAsUnset, timeoutMs.default(30_000)),
  GOOGLE_CLIENT_ID: z.preprocess(emptyAsUnset, z.string().optional()),
  GOOGLE_CLIENT_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  GITHUB_CLIENT_ID: z.preprocess(emptyAsUnset, z.string().optional()),
  GITHUB_CLIENT_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  GOOGLE_ISSUER: z.preprocess(emptyAsUnset, z.url().default("https://accounts.google.com")),
  GITHUB_BASE_URL: z.preprocess(emptyAsUnset, z.url().default("https://github.com")),
  GITHUB_API_URL: z.preprocess(emptyAsUnset, z.url().default("https://api.github.com")),
  // Sign in with Apple: a Services ID, the team and key that sign its client secrets, and the .p8 key's PEM
  // (its line breaks may be written as \n). The key is checked to import when a sign-in uses it.
  APPLE_CLIENT_ID: z.preprocess(
    emptyAsUnset,
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/).optional(),
  ),
  APPLE_TEAM_ID: z.preprocess(
    emptyAsUnset,
    z.string().regex(/^[A-Z0-9]{10}$/, "must be 10 capitals/digits").optional(),
  ),
  APPLE_KEY_ID: z.preprocess(
    emptyAsUnset,
    z.string().regex(/^[A-Z0-9]{10}$/, "must be 10 capitals/digits").optional(),
  ),
  APPLE_PRIVATE_KEY: z.preprocess(
    emptyAsUnset,
    z.string().regex(/-----BEGIN PRIVATE KEY-----/, "must be the .p8 file's PEM (PKCS#8)").optional(),
  ),
  APPLE_ISSUER: z.preprocess(emptyAsUnset, z.url().default("https://appleid.apple.com")),
  // Sign in with Microsoft: an Entra app registration; the tenant its supported account types call for.
  MICROSOFT_CLIENT_ID: z.preprocess(emptyAsUnset, z.string().optional()),
  MICROSOFT_CLIENT_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  MICROSOFT_TENANT: z.preprocess(emptyAsUnset, z.string().regex(MICROSOFT_TENANT_PATTERN).default("common")),
  MICROSOFT_AUTHORITY: z.preprocess(emptyAsUnset, z.url().default("https://login.microsoftonline.com")),
  // A person watches a blank tab meanwhile: Google and GitHub answer in well under a second, so 10 s per call
  // covers a slow path yet ends in the "not answering" page, not a tab that hangs until the browser gives up.
  SOCIAL_LOGIN_TIMEOUT_MS: z.preprocess(emptyAsUnset, timeoutMs.default(10_000)),
  PWNED_PASSWORDS_URL: z.preprocess(
    emptyAsUnset,
    z.union([z.literal("off"), z.url({ protocol: /^https?$/ })]).default("https://api.pwnedpasswords.com"),
  ),
  // A person waits on the form meanwhile; the range API answers in tens of milliseconds.
  PWNED_PASSWORDS_TIMEOUT_MS: z.preprocess(emptyAsUnset, timeoutMs.default(2_000)),
  // Bot protection's siteverify endpoints (lib/login/bot_check.ts): the providers' own, or a local fake in tests.
  TURNSTILE_VERIFY_URL: z.preprocess(
    emptyAsUnset,
    z.url().default("https://challenges.cloudflare.com/turnstile/v0/siteverify"),
  ),
  HCAPTCHA_VERIFY_URL: z.preprocess(emptyAsUnset, z.url().default("https://api.hcaptcha.com/siteverify")),
  // A person waits on the form meanwhile; siteverify answers in well under a second.
  BOT_CHECK_TIMEOUT_MS: z.preprocess(emptyAsUnset, timeoutMs.default(5_000)),
  // A person waits on the phone form meanwhile; past it the code goes by the other channel (WhatsApp → SMS).
  PHONE_SEND_TIMEOUT_MS: z.preprocess(emptyAsUnset, timeoutMs.default(10_000)),
  WHATSAPP_ACCESS_TOKEN: z.preprocess(emptyAsUnset, z.string().optional()),
  WHATSAPP_PHONE_NUMBER_ID: z.preprocess(emptyAsUnset, z.string().regex(/^\d{1,30}$/).optional()),
  WHATSAPP_TEMPLATE: z.preprocess(
    emptyAsUnset,
    z.string().regex(/^[a-z0-9_]{1,512}$/).default("astapa_code"),
  ),
  WHATSAPP_API_URL: z.preprocess(emptyAsUnset, z.url().default("https://graph.facebook.com/v23.0")),
  TWILIO_ACCOUNT_SID: z.preprocess(emptyAsUnset, z.string().regex(/^AC[0-9a-f]{32}$/).optional()),
  TWILIO_AUTH_TOKEN: z.preprocess(emptyAsUnset, z.string().optional()),
  TWILIO_VERIFY_SERVICE_SID: z.preprocess(emptyAsUnset, z.string().regex(/^VA[0-9a-f]{32}$/).optional()),
  TWILIO_VERIFY_URL: z.preprocess(emptyAsUnset, z.url().default("https://verify.twilio.com")),
  ZENZIVA_USERKEY: z.preprocess(emptyAsUnset, z.string().optional()),
  ZENZIVA_PASSKEY: z.preprocess(emptyAsUnset, z.string().optional()),
  ZENZIVA_URL: z.preprocess(emptyAsUnset, z.url().default("https://console.zenziva.net")),
  ASTAPA_WEBHOOK_ALLOW_PRIVATE: z.preprocess(emptyAsUnset, z.enum(["true", "false"]).default("false")),
  ASTAPA_METRICS: z.preprocess(emptyAsUnset, z.enum(["0", "1", "true", "false"]).default("0")),
  ASTAPA_METRICS_TOKEN: z.preprocess(
    emptyAsUnset,
    z.string().min(16, "must be at least 16 characters").regex(/^[\x21-\x7e]+$/, "must be printable ASCII")
      .optional(),
  ),
});

/** Every variable the configuration reads (the README's table lists each; tests/docs/readme_config_test.ts). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export type Config = {
  port: number;
  hostname: string;
  /** The issuer: every absolute URL Astapa emits starts with it. Origin only, no trailing slash. */
  baseUrl: string;
  /** Whether the base URL was configured or derived from the port. */
  baseUrlConfigured: boolean;
  databaseUrl: string | undefined;
  /** Connections this process keeps to Postgres (postgres.js pipelines queries on them when all are busy). */
  databasePoolSize: number;
  /** Threads serving HTTP on the same port (SO_REUSEPORT); 1 by default (docs/performance.md). */
  workers: number;
  /** How long a stop (SIGTERM, SIGINT) may take before the process ends anyway (docs/self-hosting.md). */
  stopTimeoutSeconds: number;
  /** Maximum age of a cached verified client credential (lib/oauth/verified_clients.ts); 0 turns it off. */
  clientCacheSeconds: number;
  dataDir: string;
  masterKey: string | undefined;
  /**
   * Earlier master secrets, newest first: what they sealed still opens, what is sealed now uses the current one
   * (lib/tokens/master_key.ts; docs/self-hosting.md "Changing the master key").
   */
  previousMasterKeys: string[];
  /** Rotate signing keys automatically once the active one is this many days old; unset = by hand only. */
  keyRotationDays: number | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  /** How many reverse proxies in front of Astapa append to X-Forwarded-For (0: trust none of it). */
  trustProxyHops: number;
  /** RS256: "auto" signs with OpenSSL's libcrypto (found by name, or at `libcrypto`) when it loads and passes
   * its self-test, else WebCrypto; "webcrypto" never loads libcrypto. */
  signer: { signer: "auto" | "webcrypto"; libcrypto?: string };
  smtpUrl: string | undefined;
  /** The From of Astapa's mail; defaults to no-reply at the base URL's host. */
  mailFrom: string;
  /** Domains a project's own from address may use: MAIL_FROM's domain and MAIL_FROM_DOMAINS, lower case. */
  mailFromDomains: string[];
  /** publicKey: the deployment account's publishable key (cards are tokenised in the browser with it); jsUrl:
   * where Xendit.js is loaded from (Xendit's CDN, or the simulator's copy when XENDIT_BASE_URL points at one);
   * timeoutMs: each request's deadline (lib/payments/xendit_deadline.ts). */
  xendit: {
    secretKey?: string;
    callbackToken?: string;
    baseUrl?: string;
    publicKey?: string;
    jsUrl: string;
    timeoutMs: number;
  };
  /** Deployment-wide sign-in credentials; `issuer` is overridable so tests can use a local fake. */
  google: { clientId?: string; clientSecret?: string; issuer: string };
  /** `baseUrl` serves authorize + access_token, `apiUrl` serves /user and /user/emails. */
  github: { clientId?: string; clientSecret?: string; baseUrl: string; apiUrl: string };
  /** Sign in with Apple: the Services ID, Team ID, Key ID and private key (PEM); `issuer` for a local fake. */
  apple: { clientId?: string; teamId?: string; keyId?: string; privateKey?: string; issuer: string };
  /** Sign in with Microsoft: the app registration, its tenant (common …) and `authority` for a local fake. */
  microsoft: { clientId?: string; clientSecret?: string; tenant: string; authority: string };
  /** Each request to Google or GitHub during a sign-in gives up after this long (a readable error page). */
  socialTimeoutMs: number;
  /** Where chosen passwords are looked up by range (lib/breached_passwords.ts); url null: not looked up. */
  breachedPasswords: { url: string | null; timeoutMs: number };
  /** Bot protection (lib/login/bot_check.ts): each provider's siteverify URL and how long it may take. */
  botCheck: { verifyUrls: { turnstile: string; hcaptcha: string }; timeoutMs: number };
  /** Phone codes: WhatsApp Cloud API and Twilio Verify credentials (lib/phone/providers); URLs for fakes. */
  phone: {
    whatsapp: { accessToken?: string; phoneNumberId?: string; template: string; apiUrl: string };
    twilio: { accountSid?: string; authToken?: string; serviceSid?: string; verifyUrl: string };
    zenziva: { userkey?: string; passkey?: string; url: string };
    /** How long a provider gets before its send counts as failed (PHONE_SEND_TIMEOUT_MS). */
    sendTimeoutMs: number;
  };
  /** Production projects may point webhooks at internal addresses (single-tenant deployments only). */
  webhookAllowPrivate: boolean;
  /** GET /metrics: off, open (ASTAPA_METRICS=1), or behind a bearer token (ASTAPA_METRICS_TOKEN). */
  metrics: { enabled: boolean; token?: string };
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads configuration from an environment map (defaults to the process environment). */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    hostname: e.HOSTNAME,
    baseUrl: normaliseBaseUrl(e.ASTAPA_BASE_URL ?? `http://localhost:${e.PORT}`),
    baseUrlConfigured: e.ASTAPA_BASE_URL !== undefined,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.ASTAPA_DB_POOL_SIZE,
    workers: e.ASTAPA_WORKERS,
    stopTimeoutSeconds: e.ASTAPA_STOP_TIMEOUT_SECONDS,
    clientCacheSeconds: e.ASTAPA_CLIENT_CACHE_SECONDS,
    dataDir: e.ASTAPA_DATA_DIR,
    masterKey: e.ASTAPA_MASTER_KEY,
    previousMasterKeys: e.ASTAPA_MASTER_KEY_PREVIOUS ?? [],
    keyRotationDays: e.ASTAPA_KEY_ROTATION_DAYS,
    logLevel: e.ASTAPA_LOG_LEVEL,
    trustProxyHops: e.ASTAPA_TRUST_PROXY,
    signer: { signer: e.ASTAPA_RS256_SIGNER, libcrypto: e.ASTAPA_LIBCRYPTO },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `Astapa <no-reply@${new URL(e.ASTAPA_BASE_URL ?? "http://localhost").hostname}>`,
    mailFromDomains: mailFromDomains(
      e.MAIL_FROM ?? `no-reply@${new URL(e.ASTAPA_BASE_URL ?? "http://localhost").hostname}`,
      e.MAIL_FROM_DOMAINS,
    ),
    xendit: {
      secretKey: e.XENDIT_SECRET_KEY,
      callbackToken: e.XENDIT_CALLBACK_TOKEN,
      baseUrl: e.XENDIT_BASE_URL,
      publicKey: e.XENDIT_PUBLIC_KEY,
      jsUrl: e.XENDIT_JS_URL ??
        (e.XENDIT_BASE_URL
          ? `${e.XENDIT_BASE_URL}/js/v3/xendit.min.js`
          : "https://js.xendit.co/v3/xendit.min.js"),
      timeoutMs: e.XENDIT_TIMEOUT_MS,
    },
    google: {
      clientId: e.GOOGLE_CLIENT_ID,
      clientSecret: e.GOOGLE_CLIENT_SECRET,
      issuer: e.GOOGLE_ISSUER.replace(/\/$/, ""),
    },
    github: {
      clientId: e.GITHUB_CLIENT_ID,
      clientSecret: e.GITHUB_CLIENT_SECRET,
      baseUrl: e.GITHUB_BASE_URL.replace(/\/$/, ""),
      apiUrl: e.GITHUB_API_URL.replace(/\/$/, ""),
    },
    apple: {
      clientId: e.APPLE_CLIENT_ID,
      teamId: e.APPLE_TEAM_ID,
      keyId: e.APPLE_KEY_ID,
      privateKey: e.APPLE_PRIVATE_KEY,
      issuer: e.APPLE_ISSUER.replace(/\/$/, ""),
    },
    microsoft: {
      clientId: e.MICROSOFT_CLIENT_ID,
      clientSecret: e.MICROSOFT_CLIENT_SECRET,
      tenant: e.MICROSOFT_TENANT,
      authority: e.MICROSOFT_AUTHORITY.replace(/\/$/, ""),
    },
    socialTimeoutMs: e.SOCIAL_LOGIN_TIMEOUT_MS,
    breachedPasswords: {
      url: e.PWNED_PASSWORDS_URL === "off" ? null : e.PWNED_PASSWORDS_URL,
      timeoutMs: e.PWNED_PASSWORDS_TIMEOUT_MS,
    },
    botCheck: {
      verifyUrls: { turnstile: e.TURNSTILE_VERIFY_URL, hcaptcha: e.HCAPTCHA_VERIFY_URL },
      timeoutMs: e.BOT_CHECK_TIMEOUT_MS,
    },
    phone: {
      whatsapp: {
        accessToken: e.WHATSAPP_ACCESS_TOKEN,
        phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
        template: e.WHATSAPP_TEMPLATE,
        apiUrl: e.WHATSAPP_API_URL.replace(/\/$/, ""),
      },
      twilio: {
        accountSid: e.TWILIO_ACCOUNT_SID,
        authToken: e.TWILIO_AUTH_TOKEN,
        serviceSid: e.TWILIO_VERIFY_SERVICE_SID,
        verifyUrl: e.TWILIO_VERIFY_URL.replace(/\/$/, ""),
      },
      zenziva: {
        userkey: e.ZENZIVA_USERKEY,
        passkey: e.ZENZIVA_PASSKEY,
        url: e.ZENZIVA_URL.replace(/\/$/, ""),
      },
      sendTimeoutMs: e.PHONE_SEND_TIMEOUT_MS,
    },
    webhookAllowPrivate: e.ASTAPA_WEBHOOK_ALLOW_PRIVATE === "true",
    metrics: {
      enabled: e.ASTAPA_METRICS === "1" || e.ASTAPA_METRICS === "true" ||
        e.ASTAPA_METRICS_TOKEN !== undefined,
      token: e.ASTAPA_METRICS_TOKEN,
    },
  };
}

/** The issuer must be an origin (scheme + host + port) so discovery finds it in every order. */
function normaliseBaseUrl(raw: string): string {
  const url = new URL(raw);
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new ConfigError(
      `Invalid configuration:\n  ASTAPA_BASE_URL: must be an origin without a path (got ${raw})`,
    );
  }
  return url.origin;
}

/** MAIL_FROM's own domain plus the listed ones: where this deployment's mail server may send from (SPF/DKIM). */
function mailFromDomains(mailFrom: string, listed: string | undefined): string[] {
  const own = /@([^@<>\s]+)>?\s*$/.exec(mailFrom)?.[1];
  const domains = [own, ...(listed ?? "").split(",")].map((d) => (d ?? "").trim().toLowerCase()).filter(
    Boolean,
  );
  return [...new Set(domains)];
}
