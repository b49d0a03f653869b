/**
 * Turns what the second-factor form posted into a proof for api.meet_mfa_challenge: the time step an app code
 * matched (the secret opened with the master key), a recovery code's hash, or a new enrolment (the secret the
 * form carried sealed, now sealed for the user, and ten fresh recovery codes). Codes never leave this module
 * except as hashes; nothing here logs.
 */
import type { Ctx } from "@/lib/app_env.ts";
import type { Challenge, FactorProof } from "@/db/factors.ts";
import { base64url, hex } from "@/lib/secrets.ts";
import { qrDataUrl } from "@/lib/payments/qr_svg.ts";
import type { AuthorizeRequest } from "../authorize_request.ts";
import type { Lang } from "../i18n.ts";
import {
  enrolmentContext,
  groupedSecret,
  matchingStep,
  newTotpSecret,
  openTotpSecret,
  otpauthUri,
  sealTotpSecret,
  storedContext,
} from "./totp.ts";
import { newRecoveryCodes, normaliseRecoveryCode, recoveryCodeHash } from "./recovery_codes.ts";
import { recoveryCodeUsedMail } from "./mail.ts";

export type Enrolment = { qr: string; key: string; sealed: string };

/** What the enrolment page shows for `secret`: QR code, key as text, and the secret sealed for the form. */
async function enrolmentFor(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
  tokenHash: Uint8Array,
  secret: string,
): Promise<Enrolment> {
  const sealed = await sealTotpSecret(
    c.var.deps.masterKeys.factors,
    secret,
    enrolmentContext(request.project.id, hex(tokenHash)),
  );
  return {
    qr: qrDataUrl(
      await otpauthUri(secret, request.project.name, challenge.email ?? `user ${challenge.user_id}`),
    ),
    key: groupedSecret(secret),
    sealed: base64url.encode(sealed),
  };
}

/** A new secret to enrol; stored nowhere until a code from it is confirmed. */
export async function newEnrolment(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
  tokenHash: Uint8Array,
): Promise<Enrolment> {
  return await enrolmentFor(c, request, challenge, tokenHash, await newTotpSecret());
}

export type ProofResult = {
  proof?: FactorProof;
  /** An accepted enrolment's codes, to show once. */
  recoveryCodes?: string[];
  /** A refused enrolment shows the same secret again (the app has it already). */
  enrolmentShown?: Enrolment;
};

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));

/** The proof the form's code makes, or none (wrong, malformed, or a secret that does not open). */
export async function factorProof(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
  tokenHash: Uint8Array,
  mode: "totp" | "recovery" | "enrol",
  form: { code: string; sealed?: string },
  lang: Lang,
): Promise<ProofResult> {
  const key = c.var.deps.masterKeys.factors;
  if (mode === "recovery") {
    const code = normaliseRecoveryCode(form.code);
    if (!code) return {};
    const left = Math.max(0, challenge.recovery_codes_left - 1);
    const mail = recoveryCodeUsedMail(lang, request.project.name, left, request.project.settings);
    return { proof: { method: "recovery", codeHash: await recoveryCodeHash(code), mail } };
  }
  if (mode === "totp") {
    if (!challenge.secret_sealed) return {};
    const secret = await openTotpSecret(
      key,
      fromHex(challenge.secret_sealed),
      storedContext(request.project.id, challenge.user_id),
    );
    const step = secret ? await matchingStep(secret, form.code) : null;
    return step === null ? {} : { proof: { method: "totp", step } };
  }
  let sealed: Uint8Array;
  try {
    sealed = base64url.decode(form.sealed ?? "");
  } catch {
    return {};
  }
  const secret = await openTotpSecret(key, sealed, enrolmentContext(request.project.id, hex(tokenHash)), {
    fromBrowser: true,
  });
  // A form whose secret does not open (tampered, or from another challenge) starts over with a new one.
  if (!secret) return { enrolmentShown: await newEnrolment(c, request, challenge, tokenHash) };
  const shown = await enrolmentFor(c, request, challenge, tokenHash, secret);
  const step = await matchingStep(secret, form.code);
  if (step === null) return { enrolmentShown: shown };
  const recoveryCodes = newRecoveryCodes();
  const secretSealed = await sealTotpSecret(
    key,
    secret,
    storedContext(request.project.id, challenge.user_id),
  );
  const recoveryHashes = await Promise.all(recoveryCodes.map(recoveryCodeHash));
  return {
    proof: { method: "enrol", step, secretSealed, recoveryHashes },
    recoveryCodes,
    enrolmentShown: shown,
  };
}
