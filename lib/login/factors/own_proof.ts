/**
 * The fresh proof the "manage two-step verification" page asks for before a signed-in person changes their own
 * factor: a code from their app (six digits: the time step it matches, the secret opened with the master key)
 * or one of their recovery codes (its hash). A stolen session alone therefore changes nothing. Nothing here logs.
 */
import type { Ctx } from "@/lib/app_env.ts";
import type { OwnFactor, OwnProof } from "@/db/factors.ts";
import { matchingStep, openTotpSecret, storedContext } from "./totp.ts";
import { normaliseRecoveryCode, recoveryCodeHash } from "./recovery_codes.ts";

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));

/** The proof `code` makes for `own`, or null (malformed, wrong, or a secret that does not open). */
export async function ownProof(
  c: Ctx,
  projectId: string,
  own: OwnFactor,
  code: string,
): Promise<OwnProof | null> {
  const digits = code.replace(/\s+/g, "");
  // A recovery code has 12 letters and digits, an app's code 6 digits: one field takes either.
  if (/^[0-9]{6}$/.test(digits)) {
    if (!own.secret_sealed) return null;
    const secret = await openTotpSecret(
      c.var.deps.masterKeys.factors,
      fromHex(own.secret_sealed),
      storedContext(projectId, own.user_id),
    );
    const step = secret ? await matchingStep(secret, digits) : null;
    return step === null ? null : { method: "totp", step };
  }
  const recovery = normaliseRecoveryCode(code);
  return recovery ? { method: "recovery", codeHash: await recoveryCodeHash(recovery) } : null;
}
