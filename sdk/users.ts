/**
 * The SDK's user operations beyond claims (`astapa.users`): the project's users (find, page, create, disable,
 * erase, their sessions) and support staff signing in as a user through a one-time link (docs/impersonation.md),
 * through the Platform API.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;
type Call = (path: string, init: RequestInit) => Promise<Response>;

/**
 * The person's profile (the OpenID Connect profile claims, docs/identity.md). Null when unset; in an update, null
 * or "" clears a field and an absent one stays.
 */
export type UserProfile = {
  /** At most 256 characters, no control or invisible formatting characters. */
  name: string | null;
  /** At most 128 characters each. */
  given_name: string | null;
  family_name: string | null;
  /** An https:// URL (at most 2048 characters). */
  picture: string | null;
  /** A BCP 47 language tag, e.g. "id-ID". */
  locale: string | null;
  /** A casual name; at most 128 characters, as middle_name and preferred_username. */
  nickname: string | null;
  middle_name: string | null;
  /** The name the person goes by in the app: not unique, never a key (OIDC Core §5.7). */
  preferred_username: string | null;
  /** An https:// or http:// URL of their web page or blog (at most 2000 characters). */
  website: string | null;
  /** An IANA time zone name Postgres knows, e.g. "Asia/Jakarta" (stored in the tz database's spelling). */
  zoneinfo: string | null;
  /** "YYYY-MM-DD", or "0000-MM-DD" without the year; never in the future. Sensitive: set by the app. */
  birthdate: string | null;
  /** Free text of at most 64 characters ("female", "male", or any other). Sensitive: set by the app. */
  gender: string | null;
};

/** A user as the Platform API answers it. */
export type User = UserProfile & {
  /** Their tokens' sub. */
  sub: string;
  email: string | null;
  email_verified: boolean;
  phone_number: string | null;
  phone_number_verified: boolean;
  disabled: boolean;
  environment: "sandbox" | "production";
  created_at: string;
  last_sign_in_at: string | null;
  /** When the person agreed to the terms and privacy policy at sign-up, or null (the project made the account). */
  legal_accepted_at: string | null;
  mfa_enrolled: boolean;
  /** When a profile field last changed (the updated_at claim); null when never set. */
  profile_updated_at: string | null;
  /** A guest (docs/anonymous-users.md): no email, phone nor password until they sign up. */
  is_anonymous: boolean;
};

/** One hosted-login session (never its token). */
export type UserSession = {
  /** The session's id: the `sid` of the ID tokens and logout tokens issued from it. */
  sid: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  live: boolean;
  /** The User-Agent of the browser that started it, or null. */
  user_agent: string | null;
  /** When the hosted pages last saw it (null: not since it started). */
  last_used_at: string | null;
  impersonated_by: string | null;
};

/** What a sign-out everywhere ended, counted. */
/** A reset link mailed: to whom. */
export type PasswordResetSent = { sub: string; sent_to: string };

export type SignedOut = {
  sessions: number;
  refresh_tokens: number;
  authorization_codes: number;
  device_authorizations: number;
  email_changes: number;
  mfa_challenges: number;
  /** Support's impersonation links not yet opened, voided (docs/impersonation.md). */
  impersonation_links: number;
};

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

export function users(json: Json, call: Call) {
  const one = (sub: string) => `/api/platform/users/${encodeURIComponent(sub)}`;
  const path = (sub: string) => `${one(sub)}/impersonations`;
  return {
    /** The user, by sub (404 when not in the project's current environment). */
    get: (sub: string) => json<User>(one(sub)),
    /**
     * A page of users in sub order (`query`: a sub, `@domain`, or a prefix of the email or name; `isAnonymous`:
     * guests only, or none, in a list without `query`).
     */
    list: (page: { query?: string; limit?: number; after?: string; isAnonymous?: boolean } = {}) => {
      const search = new URLSearchParams();
      if (page.query !== undefined) search.set("q", page.query);
      if (page.isAnonymous !== undefined) search.set("is_anonymous", String(page.isAnonymous));
      if (page.limit !== undefined) search.set("limit", String(page.limit));
      if (page.after !== undefined) search.set("after", page.after);
      return json<{ users: User[]; next_after: string | null }>(`/api/platform/users?${search}`);
    },
    /**
     * A new user (no mail sent), with a profile if given; a password is checked as at sign-up. 409 when the
     * address is taken; 400 validation_failed naming a profile field that breaks its rule.
     */
    create: (
      input: { email: string; password?: string; email_verified?: boolean } & Partial<UserProfile>,
    ) => json<User>("/api/platform/users", "POST", input),
    /**
     * Changes the user, all or nothing: a new `email` (unverified unless `email_verified`; 409 when taken), a
     * `password` (checked as at sign-up; signs them out everywhere) or null to remove it, `disabled`, and the
     * profile fields given (null or "" clears one).
     */
    update: (
      sub: string,
      change:
        & { email?: string; email_verified?: boolean; password?: string | null; disabled?: boolean }
        & Partial<UserProfile>,
    ) => json<User>(one(sub), "PATCH", change),
    /**
     * Sets the user's phone number (as people type it, stored E.164), saying whether the app checked that they
     * hold it, or removes it with null. 409 when another user has it or it is their last way in.
     */
    setPhone: (sub: string, phoneNumber: string | null, verified: boolean) =>
      json<User>(`${one(sub)}/phone`, "PUT", { phone_number: phoneNumber, verified }),
    /** The app's own metadata about the user (a JSON object for its backend, never in a token; {} when none). */
    metadata: (sub: string) => json<Record<string, unknown>>(`${one(sub)}/metadata`),
    /**
     * Merges `patch` into the user's metadata (JSON merge patch, RFC 7396: a member set to null goes, objects
     * merge member by member); answers the result. 400 when it would pass 8 KiB.
     */
    patchMetadata: (sub: string, patch: Record<string, unknown>) =>
      json<Record<string, unknown>>(`${one(sub)}/metadata`, "PATCH", patch),
    /** Puts `metadata` in the place of the user's metadata; answers it. */
    replaceMetadata: (sub: string, metadata: Record<string, unknown>) =>
      json<Record<string, unknown>>(`${one(sub)}/metadata`, "PUT", metadata),
    /** Disables the user (no sign-in, no token) or, with false, re-enables them. */
    setDisabled: (sub: string, disabled: boolean) => json<User>(one(sub), "PATCH", { disabled }),
    /** Erases the user (right to erasure); the app hears user.deleted. A second call is a 404. */
    delete: async (sub: string): Promise<void> => {
      await call(one(sub), { method: "DELETE" }); // 204, no body
    },
    /** The user's hosted-login sessions, newest first. */
    sessions: (sub: string, limit?: number) =>
      json<{ sessions: UserSession[] }>(`${one(sub)}/sessions${limit ? `?limit=${limit}` : ""}`)
        .then((answer) => answer.sessions),
    /**
     * Ends one session (a lost phone): its refresh tokens but `offline_access` ones are revoked and its apps sent
     * logout tokens. An ended one answers as it is; 404 for another user's or an unknown sid.
     */
    endSession: (sub: string, sid: string) =>
      json<UserSession>(`${one(sub)}/sessions/${encodeURIComponent(sid)}`, "DELETE"),
    /** Ends every session and refresh token of the user; says how many of each. */
    signOutEverywhere: (sub: string) => json<SignedOut>(`${one(sub)}/sessions`, "DELETE"),
    /**
     * Mails the user a password reset link (in their language; single use, 1 hour) that starts a sign-in at the
     * project's initiate_login_uri (docs/hosted-login.md "Sign-ins the app did not start"). 409
     * initiate_login_uri_missing without one; 409 for a password-free project or a user without an email or
     * disabled; 429 past 3 per user per 15 minutes.
     */
    sendPasswordReset: (sub: string) => json<PasswordResetSent>(`${one(sub)}/password-reset`, "POST"),
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
