/**
 * RS256 signing keys: generated here, stored encrypted in astapa.signing_keys, cached per instance.
 * The cache refreshes every minute, so a rotation on one instance reaches the others quickly; verifiers are
 * never surprised because a key is published as 'next' before it signs and kept after it retires.
 */
import { z } from "zod";
import { asApp, type Sql } from "@/db/client.ts";
import { ConfigError } from "@/config.ts";
import { log } from "../http/log.ts";
import { base64url, sha256 } from "../secrets.ts";
import { open, seal } from "./master_key.ts";
import { importNativeRsaKey, type NativeRsaKey, openLibcrypto } from "./openssl_rsa.ts";

const REFRESH_MS = 60_000;

const PublicJwk = z.object({
  kty: z.literal("RSA"),
  kid: z.string(),
  n: z.string(),
  e: z.string(),
  alg: z.literal("RS256"),
  use: z.literal("sig"),
});
export type PublicJwk = z.infer<typeof PublicJwk>;

const KeyRow = z.object({
  kid: z.string(),
  state: z.enum(["next", "active", "retired"]),
  public_jwk: PublicJwk,
  private_key: z.instanceof(Uint8Array),
});

/** A private key ready to sign: WebCrypto always, OpenSSL too when available (see lib/tokens/jws.ts rs256). */
export type SigningKey = { kid: string; privateKey: CryptoKey; native: NativeRsaKey | null };

/** Which RS256 implementation signs: "auto" prefers OpenSSL's libcrypto, "webcrypto" never loads it. */
export type SignerOptions = { signer: "auto" | "webcrypto"; libcrypto?: string };

type NewKey = { kid: string; jwk: PublicJwk; sealed: Uint8Array };

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** What a private key's seal is bound to: its kid. */
export const signingKeyContext = (kid: string) => kid;

/** A fresh RSA-2048 key pair; the kid is the RFC 7638 thumbprint, so it names the key itself. */
export async function generateKey(masterKey: CryptoKey): Promise<NewKey> {
  const pair = await crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  );
  const { n, e } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const kid = await thumbprint(n!, e!);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return {
    kid,
    jwk: { kty: "RSA", kid, n: n!, e: e!, alg: "RS256", use: "sig" },
    sealed: await seal(masterKey, pkcs8, signingKeyContext(kid)),
  };
}

async function thumbprint(n: string, e: string): Promise<string> {
  const canonical = JSON.stringify({ e, kty: "RSA", n }); // RFC 7638: required members, sorted
  return base64url.encode(await sha256(canonical));
}

/** The instance's view of the signing keys. */
export class KeyStore {
  #sql: Sql;
  #masterKey: CryptoKey;
  #signer: SignerOptions;
  #loaded: Promise<{ active: SigningKey; published: PublicJwk[] }> | null = null;
  #loadedAt = 0;
  /** The active key as last imported: the periodic refresh reuses it, so a key is decrypted and loaded once. */
  #signing: SigningKey | null = null;
  /** Set by invalidate(): the next load decrypts and imports the active key again. */
  #reimport = false;

  constructor(sql: Sql, masterKey: CryptoKey, signer: SignerOptions = { signer: "auto" }) {
    this.#sql = sql;
    this.#masterKey = masterKey;
    this.#signer = signer;
  }

  /**
   * Installs the first keys if the deployment has none (safe when several instances boot at once), then opens the
   * active one: a master key that cannot open it (changed without ASTAPA_MASTER_KEY_PREVIOUS) stops the start with
   * what to do, rather than failing every token request.
   */
  async ensureKeys(): Promise<void> {
    let keys = await this.#keys();
    if (!keys.some((key) => key.state === "active")) {
      const [active, next] = await Promise.all([generateKey(this.#masterKey), generateKey(this.#masterKey)]);
      await asApp(this.#sql, null, (tx) =>
        tx`select api.install_signing_keys(
             ${active.kid}, ${tx.json(active.jwk)}, ${active.sealed},
             ${next.kid}, ${tx.json(next.jwk)}, ${next.sealed})`);
      this.invalidate();
      keys = await this.#keys(); // ours, or those of an instance that installed first
    }
    const active = keys.find((key) => key.state === "active");
    try {
      if (active) (await open(this.#masterKey, active.private_key, signingKeyContext(active.kid))).fill(0);
    } catch (error) {
      if ((error as Error).name !== "OperationError") throw error;
      throw new ConfigError(
        "Invalid configuration:\n  ASTAPA_MASTER_KEY: does not open this deployment's signing keys. If it was " +
          'changed, give the earlier one as ASTAPA_MASTER_KEY_PREVIOUS (docs/self-hosting.md, "Changing the ' +
          'master key").',
      );
    }
  }

  /** Promotes next → active and makes a new next key. Returns the kid now signing. */
  async rotate(): Promise<string> {
    const next = await generateKey(this.#masterKey);
    const [row] = await asApp(
      this.#sql,
      null,
      (tx) => tx`select api.rotate_signing_keys(${next.kid}, ${tx.json(next.jwk)}, ${next.sealed}) as kid`,
    );
    this.invalidate();
    return row.kid;
  }

  /** Rotates when the active key is older than `maxAgeDays`; returns the new kid, or null when not due. */
  async rotateIfOlder(maxAgeDays: number): Promise<string | null> {
    const next = await generateKey(this.#masterKey);
    const [row] = await asApp(
      this.#sql,
      null,
      (tx) =>
        tx`select api.rotate_signing_keys_if_older(make_interval(days => ${maxAgeDays}), ${next.kid},
           ${tx.json(next.jwk)}, ${next.sealed}) as kid`,
    );
    if (row.kid) this.invalidate();
    return row.kid;
  }

  /** The key that signs now. */
  async active(): Promise<SigningKey> {
    return (await this.#current()).active;
  }

  /** The JWKS document: next, active and recently retired public keys. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    return { keys: (await this.#current()).published };
  }

  /** Forgets the loaded keys: the next use reads, decrypts and imports them again. */
  invalidate(): void {
    this.#loaded = null;
    this.#reimport = true;
  }

  /** Frees the native copy of the signing key (signatures in flight finish first). */
  close(): void {
    this.#signing?.native?.close();
    this.#signing = null;
    this.invalidate();
  }

  #current() {
    if (!this.#loaded || performance.now() - this.#loadedAt > REFRESH_MS) {
      this.#loadedAt = performance.now();
      this.#loaded = this.#load();
      this.#loaded.catch(() => this.invalidate()); // a failed load is retried by the next caller
    }
    return this.#loaded;
  }

  /** The deployment's signing keys as stored (private keys sealed). */
  async #keys() {
    const rows = await asApp(this.#sql, null, (tx) => tx`select * from api.signing_keys()`);
    return rows.map((row) => KeyRow.parse(row));
  }

  async #load() {
    const keys = await this.#keys();
    const active = keys.find((key) => key.state === "active");
    if (!active) {
      throw new Error("No active signing key: the server installs one at start (KeyStore.ensureKeys)");
    }
    let signing = this.#signing;
    if (signing?.kid !== active.kid || this.#reimport) {
      this.#reimport = false;
      signing = await this.#importKey(active.kid, active.private_key);
      this.#signing?.native?.close(); // requests still holding the old key finish on it, then it is freed
      this.#signing = signing;
    }
    return { active: signing, published: keys.map((key) => key.public_jwk) };
  }

  async #importKey(kid: string, sealed: Uint8Array): Promise<SigningKey> {
    const pkcs8 = await open(this.#masterKey, sealed, signingKeyContext(kid));
    try {
      const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, RSA, false, ["sign"]);
      return { kid, privateKey, native: await this.#nativeKey(kid, pkcs8, privateKey) };
    } finally {
      pkcs8.fill(0);
    }
  }

  /** OpenSSL's copy of the key, or null (with a log line saying why) when WebCrypto signs. */
  async #nativeKey(kid: string, pkcs8: Uint8Array, privateKey: CryptoKey): Promise<NativeRsaKey | null> {
    if (this.#signer.signer === "webcrypto") {
      log("info", "rs256 signer", { signer: "webcrypto", kid, reason: "ASTAPA_RS256_SIGNER=webcrypto" });
      return null;
    }
    const opened = openLibcrypto(this.#signer.libcrypto);
    const result = "lib" in opened
      ? await importNativeRsaKey(opened.lib, pkcs8, privateKey)
      : { error: `libcrypto unavailable: ${opened.error}` };
    if ("error" in result) {
      log("warn", "rs256 signer", { signer: "webcrypto", kid, reason: result.error });
      return null;
    }
    log("info", "rs256 signer", { signer: "openssl", kid });
    return result.key;
  }
}
