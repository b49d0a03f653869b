/**
 * Typed calls for a verified phone as the second factor (db/api/factors.sql): sending the second step's code,
 * meeting the challenge with it (and signing in, in the same transaction), and a person turning their phone
 * factor on or off from the account page.
 */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { type CodeRequest, type NewSession, writeSignIn } from "./login.ts";
import { type PhoneCodeToSend, SendDecision } from "./phone.ts";

/** Stores a second-step code for the challenged person's verified number, unless a limit or the budget refuses. */
export async function startMfaPhoneCode(
  sql: Sql,
  projectId: string,
  challengeHash: Uint8Array,
  code: Omit<PhoneCodeToSend, "phoneNumber">,
  address: string,
): Promise<SendDecision> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.start_mfa_phone_code(${challengeHash}, ${code.country}, ${code.channel}, ${code.tokenHash},
        ${code.codeHash}, ${address}) as d`,
    { actor: "hosted_login" },
  );
  return SendDecision.parse(row.d);
}

/**
 * Stores a second-step code for a number the challenged person typed (no factor and no verified number yet:
 * astapa.phone_factor_offer 'add'), unless a limit, the budget or the country list refuses it.
 */
export async function startMfaNewPhoneCode(
  sql: Sql,
  projectId: string,
  challengeHash: Uint8Array,
  code: PhoneCodeToSend,
  address: string,
): Promise<SendDecision> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.start_mfa_new_phone_code(${challengeHash}, ${code.phoneNumber}, ${code.country},
        ${code.channel}, ${code.tokenHash}, ${code.codeHash}, ${address}) as d`,
    { actor: "hosted_login" },
  );
  return SendDecision.parse(row.d);
}

const PhoneMet = z.union([
  z.object({ accepted: z.literal(true), user_id: z.string(), amr: z.array(z.string()) }),
  z.object({
    accepted: z.literal(false),
    expired: z.boolean(),
    attempts_left: z.number().int().optional(),
    taken: z.boolean().optional(),
  }),
]);
/** taken: the right code for a number typed at this step, which another account of the project holds. */
export type PhoneRefusal = { expired: boolean; attemptsLeft?: number; taken?: boolean };

/**
 * Meets the challenge with the phone code and, in the same transaction, signs in (session, and a code unless
 * null). A wrong code's attempt is committed and comes back as the refusal.
 */
export async function meetChallengeByPhone(
  sql: Sql,
  projectId: string,
  challengeHash: Uint8Array,
  proof: { tokenHash: Uint8Array; codeHash: Uint8Array },
  code: CodeRequest | null,
  session: NewSession,
  remember: { tokenHash: Uint8Array; days: number } | null,
): Promise<{ userId: string; amr: string[] } | { refused: PhoneRefusal }> {
  return await asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.meet_mfa_challenge_by_phone(${challengeHash}, ${proof.tokenHash},
      ${proof.codeHash}, ${remember?.tokenHash ?? null}, ${remember?.days ?? 0}) as r`;
    const met = PhoneMet.parse(row.r);
    if (!met.accepted) {
      return { refused: { expired: met.expired, attemptsLeft: met.attempts_left, taken: met.taken } };
    }
    await writeSignIn(tx, met.user_id, code, session, { amr: met.amr });
    // An SSO sign-in held with the challenge goes to the session it starts, as by an app or a passkey (single and
    // back-channel logout: without it the IdP's logout would not find this session).
    await tx`select api.carry_sso_sign_in(${challengeHash}, ${session.tokenHash})`;
    return { userId: met.user_id, amr: met.amr };
  }, { actor: "hosted_login" });
}

/** The signed-in person turns their phone factor on or off (a fresh session; on needs a verified number). */
export async function setOwnPhoneFactor(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  enabled: boolean,
  freshSeconds: number,
): Promise<{ changed: boolean; second_factors: string[] }> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.set_own_phone_factor(${sessionHash}, ${enabled}, ${freshSeconds}) as r`,
    { actor: "account_page" },
  );
  return z.object({ changed: z.boolean(), second_factors: z.array(z.string()) }).parse(row.r);
}
