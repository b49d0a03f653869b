/**
 * The four ways every way into an account is ended — a sign-out everywhere, a password reset, a claim of an
 * unproven account, a disable — each as the statements of one transaction, for the race tests that land one
 * between a page's check and its write; and what such a race may leave behind for a user (waysLeft).
 */
import type { Sql, Tx } from "@/db/client.ts";
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

/** What a session's decisions left live for `user`: unredeemed codes, open challenges, approved devices. */
export async function waysLeft(
  sql: Sql,
  projectId: string,
  user: string,
): Promise<{ codes: number; challenges: number; approvals: number }> {
  const [row] = await sql`select
    (select count(*)::int from astapa.authorization_codes c where c.project_id = ${projectId}
      and c.user_id = ${user} and c.redeemed_at is null) as codes,
    (select count(*)::int from astapa.mfa_challenges m where m.project_id = ${projectId} and m.user_id = ${user}
      and m.used_at is null) as challenges,
    (select count(*)::int from astapa.device_authorizations d where d.project_id = ${projectId}
      and d.user_id = ${user} and d.status = 'approved') as approvals`;
  return { codes: row.codes, challenges: row.challenges, approvals: row.approvals };
}
