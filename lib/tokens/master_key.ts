/**
 * The deployment master key encrypts signing keys at rest (AES-256-GCM). It comes from ASTAPA_MASTER_KEY,
 * or — for an embedded, single-instance deployment — from a file generated into the data folder.
 * With DATABASE_URL it must be configured: every instance on that database needs the same key.
 */
import { createSecretKey, type KeyObject } from "node:crypto";
import { join, resolve } from "node:path";
import { type Config, ConfigError } from "@/config.ts";
import { base64url } from "../secrets.ts";

const KEY_FILE = "master.key";

/** Keys derived from the master secret, one per purpose, so no key serves two. */
export type MasterKeys = {
  /** AES-256-GCM: seals signing keys at rest. */
  sealing: CryptoKey;
  /**
   * HMAC-SHA256: derives a refresh token's successor from the token, so retries get the same one. A node:crypto
   * key (the same 32 HKDF bytes WebCrypto derived before): its HMAC runs in the calling thread, about 25 µs a
   * refresh against WebCrypto's 40–120 µs.
   */
  successor: KeyObject;
  /** AES-256-GCM: seals payment provider secrets (per-project Xendit keys) at rest. */
  payments: CryptoKey;
  /**
   * AES-256-GCM: seals sign-in provider secrets (per-project Google/GitHub), the social-login cookie and the pending
   * sign-in cookie (lib/login/pending_login.ts).
   */
  social: CryptoKey;
  /** AES-256-GCM: seals users' authenticator-app (TOTP) secrets at rest and in the enrolment form. */
  factors: CryptoKey;
  /** AES-256-GCM: seals projects' own phone code provider credentials (WhatsApp, Twilio, Zenziva) at rest. */
  phone: CryptoKey;
};

/**
 * Derives the master keys from the configured or stored master secret, and lets each sealing key open what the
 * earlier secrets' same-purpose keys sealed (ASTAPA_MASTER_KEY_PREVIOUS): a deployment moves to a new master key
 * without losing anything sealed under the old one, which stays configured until nothing needs it.
 */
export async function loadMasterKeys(config: Config): Promise<MasterKeys> {
  const keys = await deriveMasterKeys(config.masterKey ?? (await masterSecretFromDataDir(config)));
  const previous = await Promise.all(config.previousMasterKeys.map(deriveMasterKeys));
  return withPreviousKeys(keys, previous);
}

/** The sealing keys of each purpose: only these seal and open (the successor key is an HMAC key). */
const SEALING_PURPOSES = ["sealing", "payments", "social", "factors", "phone"] as const;
export type SealingPurpose = typeof SEALING_PURPOSES[number];

/** For a current sealing key, the same purpose's keys of earlier master secrets, newest first. */
const earlierKeys = new WeakMap<CryptoKey, CryptoKey[]>();

/** `keys`, whose sealing keys now also open what `previous` (newest first) sealed. */
function withPreviousKeys(keys: MasterKeys, previous: MasterKeys[]): MasterKeys {
  for (const purpose of SEALING_PURPOSES) {
    if (previous.length) earlierKeys.set(keys[purpose], previous.map((earlier) => earlier[purpose]));
  }
  return keys;
}

async function masterSecretFromDataDir(config: Config): Promise<string> {
  if (config.databaseUrl) {
    throw new ConfigError(
      "Invalid configuration:\n  ASTAPA_MASTER_KEY: required with DATABASE_URL (every instance must share it); " +
        "make one with: openssl rand -base64 32",
    );
  }
  const file = join(resolve(config.dataDir), KEY_FILE);
  try {
    return (await Deno.readTextFile(file)).trim();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const secret = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  try {
    await Deno.writeTextFile(file, secret + "\n", { mode: 0o600, createNew: true });
    return secret;
  } catch (error) {
    // Another process created it between our read and write: use theirs.
    if (error instanceof Deno.errors.AlreadyExists) return (await Deno.readTextFile(file)).trim();
    throw error;
  }
}

/** HKDF-SHA256 turns any long-enough secret string into independent keys. */
export async function deriveMasterKeys(secret: string): Promise<MasterKeys> {
  if (secret.length < 32) {
    throw new ConfigError("Invalid configuration:\n  ASTAPA_MASTER_KEY: at least 32 characters");
  }
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, [
    "deriveKey",
    "deriveBits",
  ]);
  const hkdf = (info: string) => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: new Uint8Array(0),
    info: new TextEncoder().encode(info),
  });
  return {
    sealing: await crypto.subtle.deriveKey(
      hkdf("astapa signing keys"),
      material,
      { name: "AES-GCM", length: 256 },
      false,
      [
        "encrypt",
        "decrypt",
      ],
    ),
    successor: createSecretKey(
      new Uint8Array(await crypto.subtle.deriveBits(hkdf("astapa refresh successor"), material, 256)),
    ),
    payments: await crypto.subtle.deriveKey(
      hkdf("astapa payment provider keys"),
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    ),
    social: await crypto.subtle.deriveKey(
      hkdf("astapa social sign-in"),
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    ),
    factors: await crypto.subtle.deriveKey(
      hkdf("astapa user factors"),
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    ),
    phone: await crypto.subtle.deriveKey(
      hkdf("astapa phone providers"),
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    ),
  };
}

/** AES-256-GCM with a random 96-bit IV; `context` is bound as additional data. Output: IV ‖ ciphertext+tag. */
export async function seal(
  key: CryptoKey,
  plaintext: Uint8Array<ArrayBuffer>,
  context: string,
): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = new TextEncoder().encode(context);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, key, plaintext),
  );
  const out = new Uint8Array(iv.length + ciphertext.length);
  out.set(iv);
  out.set(ciphertext, iv.length);
  return out;
}

/**
 * Reverses `seal`; fails if the key, the context or a single byte differs. Sealed under an earlier master secret
 * (ASTAPA_MASTER_KEY_PREVIOUS), it opens with that secret's key of the same purpose: GCM's tag tells the keys
 * apart, so a wrong one fails rather than returning garbage. For what Astapa keeps at rest; what a browser brings
 * back opens with `openFromBrowser`.
 */
export async function open(
  key: CryptoKey,
  sealed: Uint8Array,
  context: string,
): Promise<Uint8Array<ArrayBuffer>> {
  return (await openSaying(key, sealed, context)).plaintext;
}

/**
 * `open`, also saying whether an earlier master secret's key was needed: what `astapa master-key reseal`
 * (lib/tokens/reseal.ts) seals again under the current key, so that the earlier one can go.
 */
export async function openSaying(
  key: CryptoKey,
  sealed: Uint8Array,
  context: string,
): Promise<{ plaintext: Uint8Array<ArrayBuffer>; earlier: boolean }> {
  const attempt = (candidate: CryptoKey) => openFromBrowser(candidate, sealed, context);
  try {
    return { plaintext: await attempt(key), earlier: false };
  } catch (error) {
    for (const earlier of earlierKeys.get(key) ?? []) {
      try {
        return { plaintext: await attempt(earlier), earlier: true };
      } catch {
        // Not this one either.
      }
    }
    throw error;
  }
}

/**
 * Reverses `seal` for a value a browser brings back (a flow or pending sign-in cookie, minutes old): with the
 * current key only, never an earlier secret's. A master key changed because it leaked must stop vouching for what
 * a browser presents at once — whoever holds it could seal a cookie of their own choosing — while what is kept at
 * rest still opens with it (`open`, which tries the current key this way first). A cookie sealed just before the
 * change is refused: that sign-in starts again. Fails if the key, the context or a single byte differs.
 */
export async function openFromBrowser(
  key: CryptoKey,
  sealed: Uint8Array,
  context: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const additionalData = new TextEncoder().encode(context);
  return new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.slice(0, 12), additionalData },
      key,
      sealed.slice(12),
    ),
  );
}
