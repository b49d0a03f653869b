/**
 * Sign in with Apple's token revocations (`astapa.appleRevocations`; docs/social-login.md): Astapa revokes the
 * person's Apple token when their account or Apple link goes, or when an Apple sign-in made no account. Revoked
 * ones leave no row; this lists those still waiting and those given up, without their tokens.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type AppleRevocation = {
  id: string;
  /** The Services ID the token was issued to. */
  client_id: string;
  /** pending: due (again); sending: being tried; failed: given up after the last retry (token erased). */
  status: "pending" | "sending" | "failed";
  attempts: number;
  /** Apple's HTTP status at the last attempt (null: not tried yet, or Apple unreachable). */
  last_status: number | null;
  last_error: string | null;
  created_at: string;
};

export function appleRevocations(json: Json) {
  return {
    /** Newest first; `limit` 1–200 (50). */
    list: (limit?: number) =>
      json<AppleRevocation[]>(
        `/api/platform/apple-revocations${limit === undefined ? "" : `?limit=${limit}`}`,
      ),
  };
}
