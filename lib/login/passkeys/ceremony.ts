/**
 * The two passkey ceremonies, server side. @simplewebauthn/server makes the options and checks what the
 * browser returns (CBOR, COSE, signatures, origin, RP ID, flags); this module binds them to Astapa: the RP ID
 * is the deployment's host and the only origin its ASTAPA_BASE_URL, each challenge is opened in Postgres and
 * used up before its response is checked (so it is tried once, on any instance), and the sign counter is
 * compared in Postgres under a row lock. Every refusal says why in a reason the caller audits.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { webauthn } from "./webauthn_library.ts";
import type { Ctx } from "@/lib/app_env.ts";
import {
  addPasskey,
  type NewPasskey,
  type OwnPasskeys,
  passkeyForgotten,
  passkeyForSignIn,
  type PasskeyPurpose,
  startPasskeyChallenge,
  takePasskeyChallenge,
  usePasskey,
} from "@/db/passkeys.ts";
import { base64url, sha256 } from "@/lib/secrets.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { AppError } from "@/lib/http/errors.ts";
import { AssertionJson, AttestationJson, parseCeremonyJson } from "./responses.ts";

/** How long the browser waits for the person (the challenge itself lives 5 minutes in Postgres). */
export const TIMEOUT_MS = 120_000;

/**
 * Option requests one address may make a minute (each stores a challenge). Generous: a sign-in page asks once
 * for autofill and once per button press, and many people share an address behind carrier-grade NAT.
 */
export const OPTIONS_PER_MINUTE = 30;

/** Opens the challenge, counted against the caller's address; too many: 429 with Retry-After. */
async function openChallenge(
  c: Ctx,
  projectId: string,
  challenge: string,
  purpose: PasskeyPurpose,
  sessionHash: Uint8Array | null,
): Promise<void> {
  const limit = { address: clientAddress(c), perMinute: OPTIONS_PER_MINUTE };
  const wait = await startPasskeyChallenge(
    c.var.deps.sql,
    projectId,
    await sha256(challenge),
    purpose,
    sessionHash,
    limit,
  );
  if (wait > 0) {
    throw new AppError("rate_limited", {
      description: "Too many passkey attempts from here. Try again in a minute.",
      headers: { "retry-after": String(wait) },
    });
  }
}

/** The deployment as a WebAuthn relying party: its host is the RP ID, its origin the only one accepted. */
export function relyingParty(c: Ctx): { rpID: string; origin: string } {
  const url = new URL(c.var.deps.config.baseUrl);
  return { rpID: url.hostname, origin: url.origin };
}

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));

/**
 * What the signed-in person's password manager should hold for this RP (WebAuthn's signalAllAcceptedCredentials
 * and signalCurrentUserDetails): the user handle and names the registration options give, and every passkey kept.
 */
export function passkeySignals(c: Ctx, own: Pick<OwnPasskeys, "user_id" | "user_name" | "passkeys">) {
  return {
    rpId: relyingParty(c).rpID,
    user: {
      id: base64url.encode(new TextEncoder().encode(own.user_id)),
      name: own.user_name,
      displayName: own.user_name,
      // A cloned key is refused at sign-in for good: no longer one to keep.
      accepted: own.passkeys.filter((k) => !k.cloned_at).map((k) => base64url.encode(fromHex(k.id))),
    },
  };
}

/** Options for signing in with any passkey of the project (discoverable credentials, no user named). */
export async function signInOptions(
  c: Ctx,
  projectId: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await (await webauthn()).generateAuthenticationOptions({
    rpID: relyingParty(c).rpID,
    userVerification: "preferred",
    timeout: TIMEOUT_MS,
  });
  await openChallenge(c, projectId, options.challenge, "sign_in", null);
  return options;
}

/** Options for the signed-in person to add a passkey (a resident key; theirs already excluded). */
export async function registrationOptions(
  c: Ctx,
  project: { id: string; name: string },
  own: OwnPasskeys,
  sessionHash: Uint8Array,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const options = await (await webauthn()).generateRegistrationOptions({
    rpName: project.name,
    rpID: relyingParty(c).rpID,
    userName: own.user_name,
    // The same name as the Signal API keeps current (passkeySignals); the library's default is empty.
    userDisplayName: own.user_name,
    // The user handle is the user's id within the project: no email or other personal data in the key.
    userID: new TextEncoder().encode(own.user_id),
    attestationType: "none",
    timeout: TIMEOUT_MS,
    excludeCredentials: own.passkeys.map((k) => ({
      id: base64url.encode(fromHex(k.id)),
      transports: k.transports,
    })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    // ES256 first: what passkey providers use (the library's default puts ML-DSA-44 and EdDSA ahead of it).
    supportedAlgorithmIDs: [-7, -8, -257, -48],
  });
  await openChallenge(c, project.id, options.challenge, "register", sessionHash);
  return options;
}

/**
 * Why a ceremony was refused; `forgotten`: the credential (base64url) was this project's and is gone, so the
 * page asks the browser to forget it (WebAuthn's signalUnknownCredential).
 */
export type Refused = { refused: string; forgotten?: string };

/** Uses up the challenge the response's clientDataJSON names; the challenge, or why not. */
async function takeChallenge(
  c: Ctx,
  projectId: string,
  clientDataJSON: string,
  purpose: PasskeyPurpose,
): Promise<{ challenge: string; userId: string | null } | Refused> {
  const challenge = parseCeremonyJson(clientDataJSON);
  if (!challenge) return { refused: "malformed" };
  const taken = await takePasskeyChallenge(c.var.deps.sql, projectId, await sha256(challenge), purpose);
  return taken ? { challenge, userId: taken.user_id } : { refused: "challenge_not_open" };
}

const why = (error: unknown) => `not_verified: ${error instanceof Error ? error.message.slice(0, 200) : "?"}`;

/** A verified assertion: the credential, its stored user, and what the authenticator said. */
type Assertion = {
  credentialId: Uint8Array;
  signCount: number;
  backedUp: boolean;
  synced: boolean;
  userVerified: boolean;
};

/**
 * Uses up the challenge, finds the credential in the project and checks the assertion against it (counter not
 * yet: Postgres compares it under a row lock). `requireUserVerification`: for the second factor.
 */
async function checkAssertion(
  c: Ctx,
  projectId: string,
  posted: string,
  requireUserVerification: boolean,
): Promise<Assertion | Refused> {
  const response = AssertionJson.safeParse(safeJson(posted));
  if (!response.success) return { refused: "malformed" };
  const taken = await takeChallenge(c, projectId, response.data.response.clientDataJSON, "sign_in");
  if ("refused" in taken) return taken;
  let credentialId: Uint8Array;
  try {
    credentialId = base64url.decode(response.data.id);
  } catch {
    return { refused: "malformed" };
  }
  const stored = await passkeyForSignIn(c.var.deps.sql, projectId, credentialId);
  const handle = response.data.response.userHandle;
  if (!stored) {
    // Only the credential the browser itself just presented, and only when it was this project's.
    const user = handle === undefined ? null : safeText(handle);
    const gone = user !== null && await passkeyForgotten(c.var.deps.sql, projectId, credentialId, user);
    return { refused: "unknown_credential", ...(gone ? { forgotten: response.data.id } : {}) };
  }
  if (handle !== undefined && safeText(handle) !== stored.user_id) return { refused: "user_handle_mismatch" };
  const { rpID, origin } = relyingParty(c);
  const library = await webauthn(); // outside the try: a library that fails to load is a 500, not a refusal
  try {
    const verified = await library.verifyAuthenticationResponse({
      response: response.data,
      expectedChallenge: taken.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      // Counter 0 here: Postgres compares the real one under a row lock (api.use_passkey), race-free.
      credential: { id: response.data.id, publicKey: fromHex(stored.public_key), counter: 0 },
      requireUserVerification,
    });
    if (!verified.verified) return { refused: "not_verified" };
    const info = verified.authenticationInfo;
    return {
      credentialId,
      signCount: info.newCounter,
      backedUp: info.credentialBackedUp,
      synced: info.credentialDeviceType === "multiDevice",
      userVerified: info.userVerified,
    };
  } catch (error) {
    return { refused: why(error) };
  }
}

/** Checks an assertion and records its counter: who signed in and their RFC 8176 amr, or why not. */
export async function verifySignIn(
  c: Ctx,
  projectId: string,
  posted: string,
): Promise<{ userId: string; amr: string[] } | Refused> {
  const checked = await checkAssertion(c, projectId, posted, false);
  if ("refused" in checked) return checked;
  const use = await usePasskey(
    c.var.deps.sql,
    projectId,
    checked.credentialId,
    checked.signCount,
    checked.backedUp,
  );
  if (!use.accepted) return { refused: use.reason === "cloned" ? "counter_regressed" : "unknown_credential" };
  return { userId: use.user_id, amr: passkeyAmr(checked.synced, checked.userVerified) };
}

/**
 * Checks an assertion offered as the second factor on /auth/mfa (user verification required); Postgres then
 * binds it to the challenged person and records its counter (api.meet_mfa_challenge_by_passkey).
 */
export function verifySecondFactor(c: Ctx, projectId: string, posted: string): Promise<Assertion | Refused> {
  return checkAssertion(c, projectId, posted, true);
}

/** Options for the second factor: the challenged person's passkeys only, and user verification required. */
export async function secondFactorOptions(
  c: Ctx,
  projectId: string,
  passkeys: { id: string; transports: string[] }[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await (await webauthn()).generateAuthenticationOptions({
    rpID: relyingParty(c).rpID,
    userVerification: "required",
    timeout: TIMEOUT_MS,
    allowCredentials: passkeys.map((k) => ({
      id: base64url.encode(fromHex(k.id)),
      transports: k.transports,
    })),
  });
  // A sign-in challenge like the button's: which person it may prove is bound when the challenge is met.
  await openChallenge(c, projectId, options.challenge, "sign_in", null);
  return options;
}

/**
 * RFC 8176: `swk` for a synced (software-held) passkey, `hwk` for one bound to its authenticator; with user
 * verification the key plus the PIN or biometric is two factors, so `mfa` too.
 */
export function passkeyAmr(synced: boolean, userVerified: boolean): string[] {
  return [synced ? "swk" : "hwk", ...(userVerified ? ["mfa"] : [])];
}

/** A verified attestation: whose register challenge it answered and the key to store (name aside). */
export type Registered = { userId: string; key: Omit<NewPasskey, "name">; amr: string[] };

/** Uses up the register challenge the response names and checks the attestation; or why not. */
export async function checkRegistration(
  c: Ctx,
  projectId: string,
  posted: string,
): Promise<Registered | Refused> {
  const response = AttestationJson.safeParse(safeJson(posted));
  if (!response.success) return { refused: "malformed" };
  const taken = await takeChallenge(c, projectId, response.data.response.clientDataJSON, "register");
  if ("refused" in taken) return taken;
  const { rpID, origin } = relyingParty(c);
  let info;
  const library = await webauthn(); // outside the try: a library that fails to load is a 500, not a refusal
  try {
    const verified = await library.verifyRegistrationResponse({
      response: response.data,
      expectedChallenge: taken.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    if (!verified.verified) return { refused: "not_verified" };
    info = verified.registrationInfo;
  } catch (error) {
    return { refused: why(error) };
  }
  return {
    userId: taken.userId!,
    key: {
      credentialId: base64url.decode(info.credential.id),
      publicKey: info.credential.publicKey,
      signCount: info.credential.counter,
      transports: info.credential.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
    },
    // RFC 8176 methods of the ceremony that made it (a sign-up counts it as the person's second step).
    amr: passkeyAmr(info.credentialDeviceType === "multiDevice", info.userVerified),
  };
}

/** Checks a new passkey's attestation for the signed-in person and stores it; or why not. */
export async function verifyRegistration(
  c: Ctx,
  projectId: string,
  sessionHash: Uint8Array,
  posted: string,
  name: string,
): Promise<{ added: true } | Refused> {
  const registered = await checkRegistration(c, projectId, posted);
  if ("refused" in registered) return registered;
  await addPasskey(c.var.deps.sql, projectId, sessionHash, registered.userId, { ...registered.key, name });
  return { added: true };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function safeText(b64: string): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(base64url.decode(b64));
  } catch {
    return null;
  }
}
