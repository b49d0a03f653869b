/**
 * Sign-up on a passkeys-only project (docs/passkeys.md "Signing up without passwords or codes"): after the
 * mailed code proved the address, the new person registers their first passkey. The attempt's token (from
 * the browser's form) names the person, so no session exists until the passkey is stored.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { webauthn } from "./webauthn_library.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { finishPasskeySignUp, startPasskeySignUpChallenge } from "@/db/passkey_sign_ups.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { AppError } from "@/lib/http/errors.ts";
import { base64url, sha256 } from "@/lib/secrets.ts";
import { checkRegistration, OPTIONS_PER_MINUTE, type Refused, relyingParty, TIMEOUT_MS } from "./ceremony.ts";

/** Options for the proven attempt's first passkey; 429 past the address's limit, 403 when it is not live. */
export async function signUpOptions(
  c: Ctx,
  project: { id: string; name: string },
  token: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  // The challenge is drawn here so Postgres can open it and name the person in one step.
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const opened = await startPasskeySignUpChallenge(
    c.var.deps.sql,
    project.id,
    await sha256(token),
    await sha256(base64url.encode(challenge)),
    { address: clientAddress(c), perMinute: OPTIONS_PER_MINUTE },
  );
  if (!("user_id" in opened)) {
    throw new AppError("rate_limited", {
      description: "Too many passkey attempts from here. Try again in a minute.",
      headers: { "retry-after": String(opened.wait) },
    });
  }
  return await (await webauthn()).generateRegistrationOptions({
    rpName: project.name,
    rpID: relyingParty(c).rpID,
    userName: opened.user_name,
    // As for every passkey: the user handle is the user's id within the project.
    userID: new TextEncoder().encode(opened.user_id),
    challenge,
    attestationType: "none",
    timeout: TIMEOUT_MS,
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    supportedAlgorithmIDs: [-7, -8, -257, -48],
  });
}

/** Checks the attestation and stores the attempt's first passkey: the new person's user id, or why not. */
export async function finishSignUp(
  c: Ctx,
  projectId: string,
  token: string,
  posted: string,
  name: string,
): Promise<{ userId: string; amr: string[] } | Refused> {
  const registered = await checkRegistration(c, projectId, posted);
  if ("refused" in registered) return registered;
  await finishPasskeySignUp(c.var.deps.sql, projectId, await sha256(token), registered.userId, {
    ...registered.key,
    name,
  });
  return { userId: registered.userId, amr: registered.amr };
}
