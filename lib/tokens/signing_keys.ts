/**
 * RS256 signing keys: generated here, stored encrypted in astapa.signing_keys, cached per instance.
 * The cache refreshes every minute, so a rotation on one instance reaches the others quickly; verifiers are
 * never surprised because a key is published as 'next' before it signs and kept after it retires.
 */
import { z } from "zod";
import { asApp, type Sql } from "../../db/client.ts";
import { base64url } from "../secrets.ts";
import { open, seal } from "./master_key.ts";

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

export type SigningKey = { kid: string; privateKey: CryptoKey };

type NewKey = { kid: string; jwk: PublicJwk; sealed: Uint8Array };

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

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
    sealed: await seal(masterKey, pkcs8, kid),
  };
}

async function thumbprint(n: string, e: string): Promise<string> {
  const canonical = JSON.stringify({ e, kty: "RSA", n }); // RFC 7638: required members, sorted
  return base64url.encode(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical))),
  );
}

/** The instance's view of the signing keys. */
export class KeyStore {
  #sql: Sql;
  #masterKey: CryptoKey;
  #loaded: Promise<{ active: SigningKey; published: PublicJwk[] }> | null = null;
  #loadedAt = 0;

  constructor(sql: Sql, masterKey: CryptoKey) {
    this.#sql = sql;
    this.#masterKey = masterKey;
  }

  /** Installs the first keys if the deployment has none (safe when several instances boot at once). */
  async ensureKeys(): Promise<void> {
    const [existing] = await asApp(
      this.#sql,
      null,
      (tx) => tx`select 1 from api.signing_keys() where state = 'active'`,
    );
    if (existing) return;
    const [active, next] = await Promise.all([generateKey(this.#masterKey), generateKey(this.#masterKey)]);
    await asApp(this.#sql, null, (tx) =>
      tx`select api.install_signing_keys(
           ${active.kid}, ${tx.json(active.jwk)}, ${active.sealed},
           ${next.kid}, ${tx.json(next.jwk)}, ${next.sealed})`);
    this.invalidate();
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

  invalidate(): void {
    this.#loaded = null;
  }

  #current() {
    if (!this.#loaded || performance.now() - this.#loadedAt > REFRESH_MS) {
      this.#loadedAt = performance.now();
      this.#loaded = this.#load();
      this.#loaded.catch(() => this.invalidate()); // a failed load is retried by the next caller
    }
    return this.#loaded;
  }

  async #load() {
    const rows = await asApp(this.#sql, null, (tx) => tx`select * from api.signing_keys()`);
    const keys = rows.map((row) => KeyRow.parse(row));
    const active = keys.find((key) => key.state === "active");
    if (!active) {
      throw new Error("No active signing key: the server installs one at start (KeyStore.ensureKeys)");
    }
    const pkcs8 = await open(this.#masterKey, active.private_key, active.kid);
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, RSA, false, ["sign"]);
    return { active: { kid: active.kid, privateKey }, published: keys.map((key) => key.public_jwk) };
  }
}
