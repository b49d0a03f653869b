/**
 * A SAML connection's own key pair as a service provider: RSA 2048 with a self-signed X.509 certificate
 * (@peculiar/x509), made by the app when a SAML connection is saved without one (SQL cannot make keys) or rolled.
 * The private key is sealed under the master key (AES-GCM) before it reaches the database, bound to the project and
 * the key's id like an SSO client secret (secret.ts): a sealed key copied to another project's row does not open.
 * It is opened only on the hosted login's SAML path, to sign an AuthnRequest or decrypt an assertion.
 */
import { open, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";
import type { SealedSpKey, SsoSignInConnection } from "@/db/sso_connections.ts";
import { x509 } from "./saml_library.ts";

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
/** Five years: long enough that a rotation is a planned event, short enough that a lost key does not last. */
const VALIDITY_MS = 5 * 365 * 86_400_000;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** What a SAML service provider private key is sealed for. */
export const spKeyContext = (projectId: string, keyId: string) =>
  `astapa sso ${projectId} ${keyId} sp_private_key`;

/** spk_ + 24 base32 characters (120 random bits), the form sso_saml_sp_keys_id_check accepts. */
function newKeyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return "spk_" + Array.from(bytes, (b) => BASE32[b & 31]).join("");
}

const b64 = (bytes: ArrayBuffer) => new Uint8Array(bytes).toBase64();
const wrap = (label: string, body: string) =>
  `-----BEGIN ${label}-----\n${body.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;

/** A new key pair for a connection of `projectId`: its id, certificate (base64 DER) and sealed private key. */
export async function makeSpKey(masterKey: CryptoKey, projectId: string): Promise<SealedSpKey> {
  const { X509CertificateGenerator } = await x509();
  const id = newKeyId();
  const keys = await crypto.subtle.generateKey(RSA, true, ["sign", "verify"]) as CryptoKeyPair;
  const now = Date.now();
  const certificate = await X509CertificateGenerator.createSelfSigned({
    serialNumber: Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("").replace(/^[89a-f]/, "1"),
    name: `CN=Astapa SAML service provider ${id}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + VALIDITY_MS),
    keys,
    signingAlgorithm: RSA,
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    id,
    certificate: b64(certificate.rawData),
    privateKeySealed: base64url.encode(await seal(masterKey, pkcs8, spKeyContext(projectId, id))),
  };
}

/** A connection's key pair opened: the private key as PKCS#8 PEM (node-saml and xml-encryption read PEM). */
export type OpenSpKey = {
  id: string;
  state: "current" | "previous";
  certificate: string;
  privateKeyPem: string;
};

/** The connection's keys opened, current first; throws when one was sealed under another master key or project. */
export async function openSpKeys(
  masterKey: CryptoKey,
  projectId: string,
  connection: Pick<SsoSignInConnection, "sp_keys">,
): Promise<OpenSpKey[]> {
  return await Promise.all(connection.sp_keys.map(async (key) => {
    const pkcs8 = await open(
      masterKey,
      base64url.decode(key.private_key_sealed),
      spKeyContext(projectId, key.id),
    );
    return {
      id: key.id,
      state: key.state,
      certificate: key.certificate,
      privateKeyPem: wrap("PRIVATE KEY", b64(pkcs8.buffer)),
    };
  }));
}
