/**
 * The shapes a browser posts back from a passkey ceremony (WebAuthn's RegistrationResponseJSON and
 * AuthenticationResponseJSON), bounded before @simplewebauthn/server decodes anything: base64url strings of
 * sane length, nothing else trusted. Malformed input is refused here as `malformed`, never a 500.
 */
import { z } from "zod";
import { base64url } from "@/lib/secrets.ts";

const B64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/);

const Common = {
  id: B64(1400).min(16),
  rawId: B64(1400).min(16),
  type: z.literal("public-key"),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};

export const AssertionJson = z.object({
  ...Common,
  response: z.object({
    clientDataJSON: B64(4000),
    authenticatorData: B64(4000),
    // ML-DSA-87 signatures are 4,627 bytes; ES256 ones about 72.
    signature: B64(8000),
    userHandle: B64(128).optional(),
  }),
});

export const AttestationJson = z.object({
  ...Common,
  response: z.object({
    clientDataJSON: B64(4000),
    attestationObject: B64(16000),
    transports: z.array(z.enum(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"])).max(7)
      .optional(),
    authenticatorData: B64(16000).optional(),
    publicKey: B64(8000).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }),
});

const ClientData = z.object({ challenge: B64(200).min(16) });

/** The challenge a response's clientDataJSON names, or null when it is not what a browser writes. */
export function parseCeremonyJson(clientDataJSON: string): string | null {
  try {
    const parsed = ClientData.safeParse(
      JSON.parse(new TextDecoder().decode(base64url.decode(clientDataJSON))),
    );
    return parsed.success ? parsed.data.challenge : null;
  } catch {
    return null;
  }
}
