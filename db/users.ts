/** Typed wrappers around the user and claim functions in `api` (db/api/users.sql, db/api/claims.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { ModeSchema } from "./projects.ts";
import { result } from "./result.ts";

export const UserSchema = z.object({
  /** The JWT `sub`. */
  id: z.string().regex(/^\d+$/),
  /** Null for a user who signed up by phone, and for a guest. */
  email: z.string().nullable(),
  email_verified: z.boolean(),
  /** E.164, or null (docs/phone.md). */
  phone_number: z.string().nullable().default(null),
  phone_number_verified: z.boolean().default(false),
  disabled: z.boolean(),
  environment: ModeSchema,
  created_at: z.string(),
  last_sign_in_at: z.string().nullable(),
  /** When the person agreed to the terms at sign-up (settings.sign_up.require_legal_consent), or null. */
  legal_accepted_at: z.string().nullable().default(null),
  /** An authenticator app is set up (docs/mfa.md). */
  mfa_enrolled: z.boolean(),
  /** The profile (OIDC standard claims; docs/identity.md), null when unset. */
  name: z.string().nullable().default(null),
  given_name: z.string().nullable().default(null),
  family_name: z.string().nullable().default(null),
  /** An https URL. */
  picture: z.string().nullable().default(null),
  /** BCP 47, e.g. id-ID. */
  locale: z.string().nullable().default(null),
  nickname: z.string().nullable().default(null),
  middle_name: z.string().nullable().default(null),
  preferred_username: z.string().nullable().default(null),
  /** An http(s) URL. */
  website: z.string().nullable().default(null),
  /** An IANA time zone, e.g. Asia/Jakarta. */
  zoneinfo: z.string().nullable().default(null),
  /** YYYY-MM-DD, or 0000-MM-DD without the year. */
  birthdate: z.string().nullable().default(null),
  gender: z.string().nullable().default(null),
  /** A guest (docs/anonymous-users.md): no email, phone nor password until they sign up. */
  is_anonymous: z.boolean().default(false),
  /** When a profile field last changed (the updated_at claim). */
  profile_updated_at: z.string().nullable().default(null),
});
export type User = z.infer<typeof UserSchema>;

/** Profile fields to set (null or blank clears one; absent ones stay): db/api/profile.sql. */
export type ProfileInput = {
  name?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  picture?: string | null;
  locale?: string | null;
  nickname?: string | null;
  middle_name?: string | null;
  preferred_username?: string | null;
  website?: string | null;
  zoneinfo?: string | null;
  birthdate?: string | null;
  gender?: string | null;
};

/** Exactly the access token's `custom_claims`: plan, role?, feature_flags, and custom claims beside them. */
export const TokenClaimsSchema = z.looseObject({
  plan: z.string(),
  role: z.string().optional(),
  feature_flags: z.array(z.string()),
});
export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

/** A JSON value, as custom claims hold. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * What `patchUserClaims` accepts: plan (null: the default plan), role (null clears), feature_flags (replaced),
 * and custom keys (merged; null removes one).
 */
export type ClaimsPatch = {
  plan?: string | null;
  role?: string | null;
  feature_flags?: string[];
  [custom: string]: Json | undefined;
};

/** Who changes a plan, as the subscription history records it. */
export type PlanSource = "payment" | "claims_api" | "dashboard" | "cli" | "default" | "trial";

/** What `setUserClaims` accepts: keys given replace the stored value, null clears, absent keys stay. */
export type ClaimsUpdate = {
  plan?: string | null;
  role?: string | null;
  feature_flags?: string[];
  extra?: Record<string, unknown>;
};

const SignInUserSchema = z.object({
  id: z.string(),
  password_hash: z.string().nullable(),
  disabled: z.boolean(),
});

/**
 * Creates a user in the project's current environment (conflict when the email is taken in any case); a profile
 * given is set in the same statement (api.update_user), so a value that breaks its rule creates nobody.
 */
export function createUser(
  tx: Tx,
  projectId: string,
  input: { email: string; passwordHash?: string; emailVerified?: boolean; profile?: ProfileInput },
): Promise<User> {
  const create = tx`api.create_user(${projectId}, ${input.email}, ${input.passwordHash ?? null}::text,
      ${input.emailVerified ?? false})`;
  const profile = input.profile && Object.keys(input.profile).length ? input.profile : null;
  return result(
    profile
      ? tx`select api.update_user(${projectId}, (${create} ->> 'id')::bigint, ${
        JSON.stringify(profile)
      }::text::jsonb) as result`
      : tx`select ${create} as result`,
    UserSchema,
  );
}

/** The user with this email (any case) in the project's current environment, or null. */
export function findUserByEmail(tx: Tx, projectId: string, email: string): Promise<User | null> {
  return result(tx`select api.find_user_by_email(${projectId}, ${email}) as result`, UserSchema.nullable());
}

/** The user with this phone number (E.164) in the project's current mode, or null (db/api/phone.sql). */
export function findUserByPhone(tx: Tx, projectId: string, phoneNumber: string): Promise<User | null> {
  return result(
    tx`select api.find_user_by_phone(${projectId}, ${phoneNumber}) as result`,
    UserSchema.nullable(),
  );
}

/** The user with this id (the JWT sub); not_found otherwise. */
export function getUser(tx: Tx, projectId: string, userId: string): Promise<User> {
  return result(tx`select api.get_user(${projectId}, ${userId}::bigint) as result`, UserSchema);
}

/** A page of users in id order, after `afterId`. */
export function listUsers(
  tx: Tx,
  projectId: string,
  page: { size?: number; afterId?: string } = {},
): Promise<User[]> {
  return result(
    tx`select api.list_users(${projectId}, ${page.size ?? 100}, ${page.afterId ?? "0"}::bigint) as result`,
    z.array(UserSchema),
  );
}

/** Disables a user (or re-enables with `disabled: false`). */
export function disableUser(tx: Tx, projectId: string, userId: string, disabled = true): Promise<User> {
  return result(
    tx`select api.disable_user(${projectId}, ${userId}::bigint, ${disabled}) as result`,
    UserSchema,
  );
}

/** Sets (or, null, removes) a user's phone number, saying whether it is verified (db/api/phone.sql). */
export function setUserPhone(
  tx: Tx,
  projectId: string,
  userId: string,
  phone: { phoneNumber: string | null; verified: boolean },
): Promise<User> {
  return result(
    tx`select api.set_user_phone(${projectId}, ${userId}::bigint, ${phone.phoneNumber}, ${phone.verified}) as result`,
    UserSchema,
  );
}

/** For the hosted login: id, argon2id hash and disabled flag of the user with this email, or null. */
export function userForSignIn(
  tx: Tx,
  projectId: string,
  email: string,
): Promise<z.infer<typeof SignInUserSchema> | null> {
  return result(
    tx`select api.user_for_sign_in(${projectId}, ${email}) as result`,
    SignInUserSchema.nullable(),
  );
}

/** Sets some claims and returns the token claims that result. */
export function setUserClaims(
  tx: Tx,
  projectId: string,
  userId: string,
  claims: ClaimsUpdate,
): Promise<TokenClaims> {
  // Sent as text: postgres.js would JSON-encode a string parameter typed jsonb a second time.
  const json = JSON.stringify(claims);
  return result(
    tx`select api.set_user_claims(${projectId}, ${userId}::bigint, ${json}::text::jsonb) as result`,
    TokenClaimsSchema,
  );
}

/** The `custom_claims` object for this user's access tokens. */
export function tokenClaims(tx: Tx, projectId: string, userId: string): Promise<TokenClaims> {
  return result(tx`select api.token_claims(${projectId}, ${userId}::bigint) as result`, TokenClaimsSchema);
}

/** Applies a claims patch (plan changes go through api.assign_plan) and returns the resulting custom_claims. */
export function patchUserClaims(
  tx: Tx,
  projectId: string,
  userId: string,
  patch: ClaimsPatch,
  source: PlanSource = "claims_api",
): Promise<TokenClaims> {
  const json = JSON.stringify(patch);
  return result(
    tx`select api.patch_user_claims(${projectId}, ${userId}::bigint, ${json}::text::jsonb, ${source}) as result`,
    TokenClaimsSchema,
  );
}
