/**
 * The SDK's user operations beyond claims (`astapa.users`): support staff signing in as a user through a one-time
 * link (docs/impersonation.md), through the Platform API.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type Impersonation = {
  id: string;
  user_id: string;
  /** Who acts: every token issued from the sign-in carries `act: {sub: actor}`. */
  actor: string;
  reason: string | null;
  created_at: string;
  /** The link opens once, until then (5 minutes). */
  expires_at: string;
  /** The impersonation, and everything issued from it, ends then. */
  ends_at: string;
  opened_at: string | null;
  ended_at: string | null;
};

export function users(json: Json) {
  const path = (sub: string) => `/api/platform/users/${encodeURIComponent(sub)}/impersonations`;
  return {
    /**
     * A one-time link (`url`, opens within 5 minutes) that signs the browser opening it in as the user for
     * `minutes` (1–60, default 15), `actor` named in every token. 404 unknown user, 409 disabled.
     */
    impersonate: (sub: string, input: { actor: string; reason?: string; minutes?: number }) =>
      json<Impersonation & { url: string }>(path(sub), "POST", input),
    /** The user's live impersonations, newest first. */
    impersonations: (sub: string) =>
      json<{ impersonations: Impersonation[] }>(path(sub)).then((answer) => answer.impersonations),
    /** Ends an impersonation now: its session, refresh tokens and unused codes with it. */
    endImpersonation: (sub: string, id: string) =>
      json<Impersonation>(`${path(sub)}/${encodeURIComponent(id)}`, "DELETE"),
  };
}
