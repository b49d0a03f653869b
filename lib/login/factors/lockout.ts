/**
 * Guessing a second factor is limited like passwords (lib/login/flow.ts), counted in Postgres for every
 * instance: per user 10 wrong codes in 15 minutes in production (30 in sandbox), and per address. Only someone
 * who passed the first factor reaches this step, so the user's own ceiling is strict: a million-code space with
 * ten guesses a window stays out of reach however many addresses try.
 */
import type { Ctx } from "@/lib/app_env.ts";
import { asApp } from "@/db/client.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { lockoutBuckets } from "@/lib/http/lockout_buckets.ts";
import type { FailureBucket } from "@/db/client_authentication.ts";
import { countLockout } from "@/lib/metrics/metrics.ts";
import { ATTEMPTS } from "../flow.ts";

type Project = { id: string; mode: string };

function buckets(c: Ctx, project: Project, userId: string): FailureBucket[] {
  const { perEmail, perAddress } = project.mode === "production" ? ATTEMPTS.production : ATTEMPTS.sandbox;
  const key = { scope: "mfa", ceiling: "user", key: `${project.id}:${userId}`, address: clientAddress(c) };
  const limits = { perPair: perEmail, perAddress, perKey: perEmail, windowSeconds: ATTEMPTS.windowSeconds };
  return lockoutBuckets(key, limits, false);
}

/** Seconds before this user may try another code from this address; 0 when allowed. */
export async function factorWait(c: Ctx, project: Project, userId: string): Promise<number> {
  const limits = buckets(c, project, userId);
  return await asApp(c.var.deps.sql, null, async (tx) => {
    const [row] = await tx`select astapa.client_lockout_wait(${tx.json(limits)}) as wait`;
    return row.wait as number;
  });
}

/** Counts a wrong, reused or malformed code and audits it (and the lockout it causes); never the code itself. */
export async function countFactorFailure(
  c: Ctx,
  project: Project,
  userId: string,
  method: string,
): Promise<void> {
  const limits = buckets(c, project, userId);
  const locked = await asApp(c.var.deps.sql, project.id, async (tx) => {
    await tx`select astapa.count_client_failure(${tx.json(limits)})`;
    const [row] = await tx`select astapa.client_lockout_wait(${tx.json(limits)}) as wait`;
    const details = { address: clientAddress(c), method };
    await tx`select astapa.audit(${project.id}, 'sign_in.mfa_failed', ${`user:${userId}`}, ${
      tx.json(details)
    })`;
    if (row.wait > 0) {
      await tx`select astapa.audit(${project.id}, 'sign_in.mfa_locked_out', ${`user:${userId}`}, ${
        tx.json(details)
      })`;
    }
    return row.wait > 0;
  }, { actor: "hosted_login" });
  if (locked) countLockout("sign_in");
}
