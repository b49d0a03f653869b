/**
 * Passkeys in tests: Chromium's virtual authenticator (DevTools protocol, CTAP2, resident keys, user
 * verification) for real ceremonies, and `signedAssertion`, which signs an assertion with a key the virtual
 * authenticator exported, so a test can say exactly what the origin, RP ID, challenge and counter are.
 * No CBOR: an assertion is authenticator data (bytes), clientDataJSON (JSON) and an ECDSA signature (DER).
 */
import type { CDPSession, Page } from "playwright-core";
import type { Sql } from "@/db/client.ts";
import { base64url } from "@/lib/secrets.ts";

export type VirtualCredential = {
  credentialId: string;
  rpId: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  isResidentCredential: boolean;
  /** The account names the authenticator shows (kept current by signalCurrentUserDetails). */
  userName?: string;
  userDisplayName?: string;
};

export type VirtualAuthenticator = {
  cdp: CDPSession;
  id: string;
  credentials(): Promise<VirtualCredential[]>;
  /**
   * Waits until the authenticator holds `count` credentials (a signal is acted on after the page's call
   * returns, and the protocol does not always report it as an event); fails after 30 seconds.
   */
  waitForCount(count: number): Promise<void>;
  /** Puts a credential back with another sign counter (a clone of the key that was used less). */
  setSignCount(credential: VirtualCredential, signCount: number): Promise<void>;
  remove(): Promise<void>;
};

/** A platform authenticator that holds passkeys and verifies the person, attached to `page`. */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId: id } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const credentials = async () => {
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId: id });
    return credentials as VirtualCredential[];
  };
  return {
    cdp,
    id,
    credentials,
    async waitForCount(count) {
      const until = Date.now() + 30_000;
      while ((await credentials()).length !== count) {
        if (Date.now() > until) throw new Error(`the authenticator never held ${count} credentials`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async setSignCount(credential, signCount) {
      await cdp.send("WebAuthn.removeCredential", {
        authenticatorId: id,
        credentialId: credential.credentialId,
      });
      await cdp.send("WebAuthn.addCredential", {
        authenticatorId: id,
        credential: { ...credential, signCount },
      });
    },
    async remove() {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: id }).catch(() => {});
      await cdp.send("WebAuthn.disable").catch(() => {});
      await cdp.detach().catch(() => {});
    },
  };
}

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const sha256 = async (bytes: Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));

/** ASN.1 DER of an ECDSA signature from WebCrypto's r‖s (what WebAuthn carries). */
function der(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.subarray(start);
    const body = trimmed[0] & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
    return Uint8Array.of(0x02, body.length, ...body);
  };
  const r = integer(raw.subarray(0, 32));
  const s = integer(raw.subarray(32));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

/** An assertion signed with `credential`'s exported key, saying what the test wants it to say. */
export async function signedAssertion(
  credential: VirtualCredential,
  claims: {
    challenge: string;
    origin: string;
    rpId: string;
    signCount: number;
    userVerified?: boolean;
    /** Another user handle than the credential's own (base64url). */
    userHandle?: string;
  },
): Promise<Record<string, unknown>> {
  const key = await crypto.subtle.importKey(
    "pkcs8",
    fromBase64(credential.privateKey),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const clientData = new TextEncoder().encode(JSON.stringify({
    type: "webauthn.get",
    challenge: claims.challenge,
    origin: claims.origin,
    crossOrigin: false,
  }));
  const flags = 0x01 | (claims.userVerified === false ? 0 : 0x04);
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, claims.signCount);
  const authData = Uint8Array.of(...await sha256(new TextEncoder().encode(claims.rpId)), flags, ...counter);
  const signed = Uint8Array.of(...authData, ...await sha256(clientData));
  const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, signed));
  const id = base64url.encode(fromBase64(credential.credentialId));
  return {
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    response: {
      clientDataJSON: base64url.encode(clientData),
      authenticatorData: base64url.encode(authData),
      signature: base64url.encode(der(raw)),
      ...(claims.userHandle ?? credential.userHandle
        ? { userHandle: claims.userHandle ?? base64url.encode(fromBase64(credential.userHandle!)) }
        : {}),
    },
  };
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/**
 * A P-256 passkey of `userId` stored in `projectId` without a ceremony: the private half as the virtual
 * authenticator exports it (for `signedAssertion`), the public half stored as its COSE key.
 */
export async function storedPasskey(
  sql: Sql,
  projectId: string,
  userId: string,
  rpId: string,
): Promise<VirtualCredential> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  // COSE_Key (RFC 9053) as CBOR: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
  const cose = Uint8Array.of(
    0xa5,
    0x01,
    0x02,
    0x03,
    0x26,
    0x20,
    0x01,
    0x21,
    0x58,
    0x20,
    ...raw.subarray(1, 33),
    0x22,
    0x58,
    0x20,
    ...raw.subarray(33),
  );
  const id = crypto.getRandomValues(new Uint8Array(16));
  await sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, sign_count,
    transports, device_type, backed_up, name)
    values (${projectId}, ${id}, ${userId}, ${cose}, 0, '{internal}', 'singleDevice', false, 'Laptop')`;
  return {
    credentialId: toBase64(id),
    rpId,
    privateKey: toBase64(new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey))),
    signCount: 0,
    isResidentCredential: true,
  };
}
