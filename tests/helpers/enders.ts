/**
 * The four ways every way into an account is ended — a sign-out everywhere, a password reset, a claim of an
 * unproven account, a disable — each as the statements of one transaction, for the race tests that land one
 * between a page's check and its write.
 */
import type { Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";

export type Ender = (tx: Tx, user: string) => Promise<unknown>;

export function enders(projectId: string) {
  const signOutEverywhere: Ender = (tx, user) => tx`select api.sign_out_everywhere(${projectId}, ${user})`;
  const reset: Ender = async (tx, user) => {
    const token = await sha256(crypto.randomUUID());
    await tx`select api.issue_email_token(${user}, 'reset_password', ${token})`;
    return await tx`select api.reset_password(${token}, '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3')`;
  };
  const claim: Ender = (tx, user) => tx`select astapa.claim_unproven_account(${projectId}, ${user}, 'email')`;
  const disable: Ender = (tx, user) => tx`select api.disable_user(${projectId}, ${user}, true)`;
  return {
    signOutEverywhere,
    reset,
    claim,
    disable,
    /** Each by name, with whether its account has a verified address (a claim ends only an unproven one). */
    all: {
      "a sign-out everywhere": { verified: true, end: signOutEverywhere },
      "a password reset": { verified: true, end: reset },
      "a claim": { verified: false, end: claim },
      "a disable": { verified: true, end: disable },
    } as Record<string, { verified: boolean; end: Ender }>,
  };
}
