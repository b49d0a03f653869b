/**
 * How often the hosted "Join the waitlist" form may be sent (docs/project-settings.md "The waitlist"): joining
 * mails nothing, but a script could fill a project's list with made-up addresses, so joins are counted in
 * Postgres for every instance, per address and IP, per IP and per address, with the sign-in attempts' profiles
 * (ATTEMPTS: production strict, sandbox relaxed) in a bucket scope of their own. The address's own ceiling spares
 * IPs that never sent it (lockoutBuckets): nobody can keep its owner off the list from elsewhere.
 */
import type { Ctx } from "@/lib/app_env.ts";
import type { FailureBucket } from "@/db/client_authentication.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { lockoutBuckets } from "@/lib/http/lockout_buckets.ts";
import { ATTEMPTS } from "@/lib/login/flow.ts";

/** The buckets a join of `email` to the project's waitlist counts in (api.join_waitlist checks and counts). */
export function waitlistJoinBuckets(
  c: Ctx,
  project: { id: string; mode: string },
  email: string,
): FailureBucket[] {
  const { perEmail, perAddress } = project.mode === "production" ? ATTEMPTS.production : ATTEMPTS.sandbox;
  const key = `${project.id}:${email.trim().toLowerCase().slice(0, 254)}`;
  return lockoutBuckets(
    { scope: "waitlist", ceiling: "email", key, address: clientAddress(c) },
    { perPair: perEmail, perAddress, perKey: perEmail, windowSeconds: ATTEMPTS.windowSeconds },
  );
}
