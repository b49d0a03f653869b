/** Typed calls for second factors (db/api/factors.sql): the step after a first factor, and the admin's view. */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import { type CodeRequest, type NewSession, type SignInMethod, writeSignIn } from "./login.ts";

const Challenge = z.object({
  user_id: z.string(),
  /** Null for a user who signed up by phone (docs/phone.md). */
  email: z.string().nullable(),
  amr: z.array(z.string()),
  enrolled: z.boolean(),
  secret_sealed: z.string().nullable(),
  recovery_codes_left: z.number(),
  /** Passkeys that may meet the challenge instead of a code (credential ids in hex). */
  passkeys: z.array(z.object({ id: z.string(), transports: z.array(z.string()) })),
  /** The second factors the person can present (astapa.second_factor_kinds): passkey, phone, totp. */
  factors: z.array(z.enum(["passkey", "phone", "totp"])),
  /** With a usable phone factor (or one to set up: phone_enrol): the number its code goes to (shown masked). */
  phone_number: z.string().nullable(),
  /** No second factor yet, but a verified number the project accepts: its first code sets the phone up. */
  phone_enrol: z.boolean().default(false),
  /** No second factor and no verified number: a number typed at this step, once its code is back, becomes both. */
  phone_add: z.boolean().default(false),
});
export type Challenge = z.infer<typeof Challenge>;

/** The live challenge behind a token hash, or null (unknown, used, expired, user disabled). */
export async function mfaChallenge(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
): Promise<Challenge | null> {
  const [row] = await asApp(sql, projectId, (tx) => tx`select api.mfa_challenge(${tokenHash}) as c`);
  return row.c === null ? null : Challenge.parse(row.c);
}

/** A first factor passed: start a challenge if a second is owed (true), or sign in right away (false). */
export async function signInOrChallenge(
  sql: Sql,
  projectId: string,
  userId: string,
  challenge: {
    tokenHash: Uint8Array;
    required: boolean;
    remembered: Uint8Array | null;
    firstFactor: "phone" | null;
    /** A step-up: the SHA-256 of the live session whose amr is the first factor (checked live again). */
    stepUpSession?: Uint8Array;
  },
  code: CodeRequest | null,
  session: NewSession,
  method: SignInMethod,
): Promise<boolean> {
  return await asApp(sql, projectId, async (tx) => {
    const verified = method.passwordHash ?? null;
    const [row] = await tx`select api.start_mfa_challenge(${userId}, ${challenge.tokenHash}, ${method.amr},
      ${challenge.required}, ${challenge.remembered}, ${challenge.firstFactor}, ${verified},
      ${challenge.stepUpSession ?? null}) as started`;
    if (row.started) {
      // An SSO sign-in's IdP handles (SAML NameID and SessionIndex, OpenID Connect sub and sid) wait with the
      // challenge for the session it will start (api.carry_sso_sign_in).
      const { saml, oidc } = method;
      if (saml) {
        await tx`select api.hold_saml_sign_in(${challenge.tokenHash}, ${saml.connectionId}, ${saml.nameId},
          ${saml.nameIdFormat}, ${saml.sessionIndex})`;
      }
      if (oidc) {
        await tx`select api.hold_oidc_sign_in(${challenge.tokenHash}, ${oidc.connectionId}, ${oidc.subject},
          ${oidc.sid}, ${oidc.idTokenSealed ?? null})`;
      }
      return true;
    }
    await writeSignIn(tx, userId, code, session, method);
    return false;
  }, { actor: "hosted_login" });
}

/** What proves the second factor: a time step an app code matched, a recovery code, or a new enrolment. */
export type FactorProof =
  | { method: "totp"; step: number }
  | { method: "recovery"; codeHash: Uint8Array; mail: { template: string; subject: string; text: string } }
  | { method: "enrol"; step: number; secretSealed: Uint8Array; recoveryHashes: Uint8Array[] };

/** The code or recovery code was not accepted (wrong, used, replayed): nothing was changed. */
export class FactorRefused extends Error {
  override name = "FactorRefused";
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

const Met = z.object({ accepted: z.literal(true), user_id: z.string(), amr: z.array(z.string()) });

/**
 * Meets the challenge with the proof and, in the same transaction, signs in (session, and a code unless null).
 * Throws FactorRefused when the proof is refused: no session and no code.
 */
export async function meetChallenge(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  proof: FactorProof,
  code: CodeRequest | null,
  session: NewSession,
  remember: { tokenHash: Uint8Array; days: number } | null = null,
): Promise<{ userId: string; amr: string[] }> {
  return await asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.meet_mfa_challenge(${tokenHash}, ${proof.method},
      ${"step" in proof ? proof.step : null}, ${proof.method === "recovery" ? proof.codeHash : null},
      ${proof.method === "enrol" ? proof.secretSealed : null},
      (select pg_catalog.array_agg(pg_catalog.decode(h, 'hex')) from pg_catalog.unnest(${
      proof.method === "enrol" ? proof.recoveryHashes.map(hex) : null
    }::text[]) as h),
      ${proof.method === "recovery" ? tx.json(proof.mail) : null}, ${remember?.tokenHash ?? null}, ${
      remember?.days ?? 0
    }) as r`;
    if (row.r.accepted !== true) throw new FactorRefused();
    const met = Met.parse(row.r);
    await writeSignIn(tx, met.user_id, code, session, { amr: met.amr });
    await tx`select api.carry_sso_sign_in(${tokenHash}, ${session.tokenHash})`;
    return { userId: met.user_id, amr: met.amr };
  }, { actor: "hosted_login" });
}

/** A passkey assertion TypeScript verified, offered as the second factor (docs/mfa.md). */
export type PasskeyProof = {
  credentialId: Uint8Array;
  signCount: number;
  backedUp: boolean;
  userVerified: boolean;
};

const PasskeyMet = z.discriminatedUnion("accepted", [
  Met,
  z.object({ accepted: z.literal(false), reason: z.string() }),
]);

/**
 * Meets the challenge with a verified passkey assertion and, in the same transaction, signs in (session, and a
 * code unless null). A refusal commits (a cloned key stays marked) and comes back as its reason.
 */
export async function meetChallengeByPasskey(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  proof: PasskeyProof,
  code: CodeRequest | null,
  session: NewSession,
  remember: { tokenHash: Uint8Array; days: number } | null = null,
): Promise<{ userId: string; amr: string[] } | { refused: string }> {
  return await asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.meet_mfa_challenge_by_passkey(${tokenHash}, ${proof.credentialId},
      ${proof.signCount}, ${proof.backedUp}, ${proof.userVerified}, ${remember?.tokenHash ?? null},
      ${remember?.days ?? 0}) as r`;
    const met = PasskeyMet.parse(row.r);
    if (!met.accepted) return { refused: met.reason };
    await writeSignIn(tx, met.user_id, code, session, { amr: met.amr });
    await tx`select api.carry_sso_sign_in(${tokenHash}, ${session.tokenHash})`;
    return { userId: met.user_id, amr: met.amr };
  }, { actor: "hosted_login" });
}

export const UserFactors = z.object({
  /** Has a second factor (an app, a passkey or a phone factor that counts here). */
  mfa_enrolled: z.boolean(),
  second_factors: z.array(z.enum(["passkey", "phone", "totp"])),
  factors: z.array(z.object({ kind: z.enum(["totp", "phone"]), enrolled_at: z.string() })),
  recovery_codes_left: z.number(),
});
export type UserFactors = z.infer<typeof UserFactors>;

/** A user's enrolled factors and unused recovery codes (never a secret), inside the caller's transaction. */
export function userFactors(tx: Tx, projectId: string, userId: string): Promise<UserFactors> {
  return result(tx`select api.user_factors(${projectId}, ${userId}::bigint) as result`, UserFactors);
}

/**
 * An admin's reset: the user's factors and recovery codes removed; audited, event, and `mail` queued (`mailed`:
 * the user has an email address).
 */
export function resetUserFactors(
  tx: Tx,
  projectId: string,
  userId: string,
  mail: { template: string; subject: string; text: string },
): Promise<{ removed: number; mailed: boolean }> {
  return result(
    tx`select api.reset_user_factors(${projectId}, ${userId}::bigint, ${tx.json(mail)}) as result`,
    z.object({ removed: z.number(), mailed: z.boolean() }),
  );
}

const OwnFactor = z.object({
  user_id: z.string(),
  email: z.string().nullable(),
  enrolled: z.boolean(),
  secret_sealed: z.string().nullable(),
  recovery_codes_left: z.number(),
});
export type OwnFactor = z.infer<typeof OwnFactor>;

/** The signed-in person's own factor behind a session token hash, or null (no live session). */
export async function ownFactor(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
): Promise<OwnFactor | null> {
  const [row] = await asApp(sql, projectId, (tx) => tx`select api.own_factor(${sessionHash}) as f`);
  return row.f === null ? null : OwnFactor.parse(row.f);
}

/** A fresh proof a signed-in person gives before changing their own factor. */
export type OwnProof = { method: "totp"; step: number } | { method: "recovery"; codeHash: Uint8Array };

/**
 * Regenerates the person's recovery codes (`recoveryHashes`, ten) or removes their app, after `proof`; audited,
 * and `mail` queued. Throws FactorRefused when the proof is refused: nothing changed.
 */
export async function manageOwnFactor(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  action: "regenerate" | "remove",
  proof: OwnProof,
  recoveryHashes: Uint8Array[] | null,
  mail: { template: string; subject: string; text: string },
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.manage_own_factor(${sessionHash}, ${action}, ${proof.method},
      ${proof.method === "totp" ? proof.step : null}, ${proof.method === "recovery" ? proof.codeHash : null},
      (select pg_catalog.array_agg(pg_catalog.decode(h, 'hex')) from pg_catalog.unnest(${
      recoveryHashes ? recoveryHashes.map(hex) : null
    }::text[]) as h), ${tx.json(mail)}) as r`;
    if (row.r.accepted !== true) throw new FactorRefused();
  }, { actor: "hosted_login" });
}
