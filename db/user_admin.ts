/**
 * Typed wrappers for looking after one user from the dashboard (db/api/users.sql): the user in the
 * project's current environment, their ways to sign in, their sessions, their own claims.
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { type ProfileInput, type User, UserSchema } from "./users.ts";
import { result } from "./result.ts";
import { ListedPasskeySchema } from "./passkeys.ts";
import { UserFactors } from "./factors.ts";

/**
 * One way a user signs in (api.user_sign_in_methods). password, google, github and apple can be removed (`removable`:
 * while another usable way in stays) and are listed even while the project does not offer them (`usable`
 * false: passwords off, the provider off or not configured); phone and email_code are read-only, there while
 * the project offers them and the number or address is verified, with `linked_at` null (nothing records since
 * when).
 */
export const SignInMethodSchema = z.object({
  provider: z.enum(["password", "google", "github", "apple", "microsoft", "phone", "email_code"]),
  subject: z.string().nullable(),
  email: z.string().nullable(),
  /** The E.164 number of a phone way in. */
  phone_number: z.string().optional(),
  linked_at: z.string().nullable(),
  /** It signs the user in now; false rows count for nothing in `removable`. */
  usable: z.boolean(),
  removable: z.boolean(),
  /** Apple: whether its private relay forwards mail to the person (absent until Apple's notification says). */
  email_forwarding: z.boolean().optional(),
});
export type SignInMethod = z.infer<typeof SignInMethodSchema>;

export const LoginSessionSchema = z.object({
  /** The session's public id: the `sid` of the ID tokens and logout tokens issued from it. */
  sid: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  ended_at: z.string().nullable(),
  live: z.boolean(),
  /** The User-Agent of the browser that started it (at most 512 characters), or null. */
  user_agent: z.string().nullable().default(null),
  /** When the hosted pages last saw it (null: not since it started). */
  last_used_at: z.string().nullable().default(null),
  /** Who acted, when support staff opened the session as the user (docs/impersonation.md). */
  impersonated_by: z.string().nullable().default(null),
});
export type LoginSession = z.infer<typeof LoginSessionSchema>;

export const OwnClaimsSchema = z.object({
  role: z.string().nullable(),
  feature_flags: z.array(z.string()),
  extra: z.record(z.string(), z.json()),
});
export type OwnClaims = z.infer<typeof OwnClaimsSchema>;

/** What a sign-out everywhere ended, counted per kind (astapa.void_ways_back, db/api/users.sql). */
export const SignOutSchema = z.object({
  sessions: z.number().int(),
  refresh_tokens: z.number().int(),
  authorization_codes: z.number().int(),
  device_authorizations: z.number().int(),
  email_changes: z.number().int(),
  mfa_challenges: z.number().int(),
  /** Support's impersonation links not yet opened (docs/impersonation.md). */
  impersonation_links: z.number().int(),
});

/** The user when they belong to the project's current environment; not_found otherwise. */
export function getEnvironmentUser(tx: Tx, projectId: string, userId: string): Promise<User> {
  return result(tx`select api.get_environment_user(${projectId}, ${userId}::bigint) as result`, UserSchema);
}

/**
 * A page of the project's users in its current environment, in id order after `afterId`; `isAnonymous`: guests
 * only (true), no guests (false), everyone (absent).
 */
export function listEnvironmentUsers(
  tx: Tx,
  projectId: string,
  page: { size: number; afterId?: string; isAnonymous?: boolean },
): Promise<User[]> {
  return result(
    tx`select api.list_environment_users(${projectId}, ${page.size}, ${page.afterId ?? "0"}::bigint,
                                         ${page.isAnonymous ?? null}::boolean) as result`,
    z.array(UserSchema),
  );
}

/** Every way the user signs in but a passkey: password, Google/GitHub identities, oldest first; phone, email code. */
export function signInMethods(tx: Tx, projectId: string, userId: string): Promise<SignInMethod[]> {
  return result(
    tx`select api.user_sign_in_methods(${projectId}, ${userId}::bigint) as result`,
    z.array(SignInMethodSchema),
  );
}

export const UserWaysInSchema = z.object({
  methods: z.array(SignInMethodSchema),
  passkeys: z.array(ListedPasskeySchema),
  factors: UserFactors,
});
export type UserWaysIn = z.infer<typeof UserWaysInSchema>;

/** Everything the user signs in with (api.user_ways_in): methods, passkeys, second factors. */
export function userWaysIn(tx: Tx, projectId: string, userId: string): Promise<UserWaysIn> {
  return result(tx`select api.user_ways_in(${projectId}, ${userId}::bigint) as result`, UserWaysInSchema);
}

/** Removes one way to sign in (never the last: conflict); answers the methods left. */
export function unlinkSignInMethod(
  tx: Tx,
  projectId: string,
  userId: string,
  method: { provider: string; subject?: string },
): Promise<SignInMethod[]> {
  return result(
    tx`select api.unlink_sign_in_method(${projectId}, ${userId}::bigint, ${method.provider},
      ${method.subject ?? null}::text) as result`,
    z.array(SignInMethodSchema),
  );
}

/** The user's hosted-login sessions, newest first. */
export function listLoginSessions(
  tx: Tx,
  projectId: string,
  userId: string,
  max = 20,
): Promise<LoginSession[]> {
  return result(
    tx`select api.list_login_sessions(${projectId}, ${userId}::bigint, ${max}) as result`,
    z.array(LoginSessionSchema),
  );
}

/** Ends one session of the user by its sid (its online refresh tokens and apps with it); not_found otherwise. */
export function endUserSession(
  tx: Tx,
  projectId: string,
  userId: string,
  sid: string,
): Promise<LoginSession> {
  return result(
    tx`select api.end_user_session(${projectId}, ${userId}::bigint, ${sid}) as result`,
    LoginSessionSchema,
  );
}

/** Ends every session of the user and revokes every refresh token; answers how many of each. */
export function signOutEverywhere(tx: Tx, projectId: string, userId: string) {
  return result(tx`select api.sign_out_everywhere(${projectId}, ${userId}::bigint) as result`, SignOutSchema);
}

/** The claims set on the user themself (not the plan's): role, feature_flags, extra. */
export function userOwnClaims(tx: Tx, projectId: string, userId: string): Promise<OwnClaims> {
  return result(tx`select api.user_own_claims(${projectId}, ${userId}::bigint) as result`, OwnClaimsSchema);
}

/**
 * A page of the project's users in its current environment matching `query`: digits are a sub (exact),
 * `@domain` every email at that domain, anything else a prefix of the email or the `name` custom claim.
 */
export function searchEnvironmentUsers(
  tx: Tx,
  projectId: string,
  query: string,
  page: { size: number; afterId?: string },
): Promise<User[]> {
  return result(
    tx`select api.search_environment_users(${projectId}, ${query}, ${page.size}, ${
      page.afterId ?? "0"
    }::bigint) as result`,
    z.array(UserSchema),
  );
}

/** Erases a user of the project's current environment (api.delete_user); not_found when unknown or erased. */
export async function deleteUser(tx: Tx, projectId: string, userId: string): Promise<void> {
  await tx`select api.delete_user(${projectId}, ${userId}::bigint)`;
}

/** What api.update_user takes: any of these, all applied or none. */
export type UserUpdate = {
  email?: string;
  email_verified?: boolean;
  /** argon2id, or null to remove the password. */
  password_hash?: string | null;
  disabled?: boolean;
} & ProfileInput;

/** Changes a user of the project's current environment (api.update_user); answers the user. */
export function updateUser(tx: Tx, projectId: string, userId: string, change: UserUpdate): Promise<User> {
  return result(
    tx`select api.update_user(${projectId}, ${userId}::bigint, ${
      JSON.stringify(change)
    }::text::jsonb) as result`,
    UserSchema,
  );
}

/** The IANA time zone names a profile's zoneinfo may be, sorted (api.time_zones): the profile form's choices. */
export function timeZones(tx: Tx): Promise<string[]> {
  return result(tx`select api.time_zones() as result`, z.array(z.string()));
}
