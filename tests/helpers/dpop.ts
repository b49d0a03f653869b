/** Hand-built DPoP proofs (RFC 9449 §4) for attack tests: each field can be set wrong on purpose. */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { accessTokenHash } from "@/lib/oauth/dpop.ts";
import { base64url } from "@/lib/secrets.ts";

export type ProofKey = { privateKey: CryptoKey; publicJwk: JWK; jkt: string };

/** A fresh ES256 (or other) key pair, its public JWK and RFC 7638 thumbprint. */
export async function proofKey(alg = "ES256"): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

export type ProofFields = {
  htm?: string;
  htu: string;
  iat?: number;
  jti?: string | null;
  accessToken?: string;
  ath?: string;
  alg?: string;
  typ?: string;
  /** The jwk the header carries (default: the key's own public JWK). */
  jwk?: JWK;
};

/** A proof signed with `key`; every claim and header may be overridden. */
export async function proof(key: ProofKey, fields: ProofFields): Promise<string> {
  const ath = fields.ath ?? (fields.accessToken ? await accessTokenHash(fields.accessToken) : undefined);
  const payload = {
    htm: fields.htm ?? "POST",
    htu: fields.htu,
    ...(fields.jti === null ? {} : { jti: fields.jti ?? crypto.randomUUID() }),
    ...(ath ? { ath } : {}),
  };
  return await new SignJWT(payload)
    // A header jwk with private members is what some attacks send; jose's types rule it out, so cast.
    .setProtectedHeader({
      alg: fields.alg ?? "ES256",
      typ: fields.typ ?? "dpop+jwt",
      jwk: (fields.jwk ?? key.publicJwk) as never,
    })
    .setIssuedAt(fields.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}

/** An unsigned proof (`alg: none`). */
export function unsignedProof(key: ProofKey, htu: string): string {
  const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  const header = { alg: "none", typ: "dpop+jwt", jwk: key.publicJwk };
  const payload = { htm: "POST", htu, jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000) };
  return `${encode(header)}.${encode(payload)}.`;
}

/** A proof signed with HS256 and a symmetric key in its header. */
export async function symmetricProof(htu: string): Promise<string> {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  return await new SignJWT({ htm: "POST", htu, jti: crypto.randomUUID() })
    .setProtectedHeader({
      alg: "HS256",
      typ: "dpop+jwt",
      jwk: { kty: "oct", k: base64url.encode(secret) } as never,
    })
    .setIssuedAt()
    .sign(secret);
}
