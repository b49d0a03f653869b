/**
 * A passkey registration as a browser posts it (RegistrationResponseJSON), made without a browser: a new P-256
 * key, authenticator data for `origin`'s RP ID (user present and verified, attested credential data) and the
 * "none" attestation format, CBOR-encoded by the few rules it needs. For HTTP tests that must add a real
 * passkey through /auth/passkeys (the Chromium authenticator is tests/helpers/webauthn.ts, in e2e tests).
 */
import { base64url, sha256 } from "@/lib/secrets.ts";

/** A CBOR value as these structures use them: small integers, byte and text strings, maps. */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  return [(major << 5) | 25, n >> 8, n & 0xff];
}

function cbor(value: Cbor): number[] {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    return [...head(3, bytes.length), ...bytes];
  }
  if (value instanceof Uint8Array) return [...head(2, value.length), ...value];
  return [...head(5, value.size), ...[...value].flatMap(([k, v]) => [...cbor(k), ...cbor(v)])];
}

/** The registration's JSON for a ceremony's `challenge`, posted from `origin` (the deployment's). */
export async function noneRegistration(challenge: string, origin: string): Promise<string> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
  // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
  const coseKey = new Map<Cbor, Cbor>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, base64url.decode(jwk.x!)],
    [-3, base64url.decode(jwk.y!)],
  ]);
  const credentialId = crypto.getRandomValues(new Uint8Array(16));
  const authData = new Uint8Array([
    ...await sha256(new URL(origin).hostname),
    0x45, // user present, user verified, attested credential data
    0,
    0,
    0,
    0, // sign count
    ...new Uint8Array(16), // AAGUID
    0,
    credentialId.length,
    ...credentialId,
    ...cbor(coseKey),
  ]);
  const attestation = new Map<Cbor, Cbor>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]);
  const clientData = { type: "webauthn.create", challenge, origin, crossOrigin: false };
  const id = base64url.encode(credentialId);
  return JSON.stringify({
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    authenticatorAttachment: "platform",
    response: {
      clientDataJSON: base64url.encode(new TextEncoder().encode(JSON.stringify(clientData))),
      attestationObject: base64url.encode(new Uint8Array(cbor(attestation))),
      transports: ["internal"],
    },
  });
}
