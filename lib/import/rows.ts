/**
 * What an import row may say, checked before anything reaches the database: one zod schema for the API and
 * the CLI, the hash parsed (hash_formats.ts) so an unknown format or a wrong parameter is refused per row, and
 * Firebase rows turned into their stored form with the hash_config given once per import.
 */
import { z } from "zod";
import { firebaseHash, HashProblem, parseHash } from "./hash_formats.ts";
import { fromFirebaseUser, isFirebaseUser } from "./firebase_export.ts";

export const MAX_ROWS_PER_REQUEST = 10_000;

/** Firebase's own names for the project's hash parameters (Firebase console → Authentication → Users → ⋮). */
export const HashConfig = z.strictObject({
  algorithm: z.literal("SCRYPT").optional(),
  base64_signer_key: z.string().min(1).max(512),
  base64_salt_separator: z.string().max(64),
  rounds: z.number().int().min(1).max(32),
  mem_cost: z.number().int().min(1).max(20),
});
export type HashConfig = z.infer<typeof HashConfig>;

const Identity = z.strictObject({
  provider: z.enum(["google", "github", "apple", "microsoft"]),
  subject: z.string().min(1).max(255),
  email: z.string().max(254).nullish(),
});

export const ImportRow = z.strictObject({
  email: z.string().trim().min(3).max(254),
  email_verified: z.boolean().optional(),
  external_id: z.string().min(1).max(255).nullish(),
  created_at: z.iso.datetime({ offset: true }).nullish(),
  /** When the person agreed to the terms at sign-up (Clerk's export has it); an export of Astapa's too. */
  legal_accepted_at: z.iso.datetime({ offset: true }).nullish(),
  // The profile (docs/identity.md); the database's rules (db/api/profile.sql) refuse a row that breaks one.
  name: z.string().max(1000).nullish(),
  given_name: z.string().max(1000).nullish(),
  family_name: z.string().max(1000).nullish(),
  picture: z.string().max(4096).nullish(),
  locale: z.string().max(100).nullish(),
  nickname: z.string().max(1000).nullish(),
  middle_name: z.string().max(1000).nullish(),
  preferred_username: z.string().max(1000).nullish(),
  website: z.string().max(4096).nullish(),
  zoneinfo: z.string().max(100).nullish(),
  birthdate: z.string().max(100).nullish(),
  gender: z.string().max(1000).nullish(),
  plan: z.string().max(64).nullish(),
  role: z.string().max(64).nullish(),
  // The rule astapa.are_valid_feature_flags holds too (at most 50 distinct, 1 to 64 characters).
  feature_flags: z.array(z.string().min(1).max(64)).max(50).optional(),
  custom_claims: z.record(z.string(), z.json()).optional(),
  /** The app's own data about the user (docs/plans.md "Users"), stated whole: replaces what is there. */
  metadata: z.record(z.string(), z.json()).optional(),
  identities: z.array(Identity).max(10).optional(),
  password_hash: z.string().max(1024).nullish(),
  /** Firebase only: the user's salt, from `auth:export`. */
  password_salt: z.string().max(256).nullish(),
  disabled: z.boolean().optional(),
  /** An export's Astapa id: ignored (another project gives new ones; keep yours in external_id). */
  sub: z.string().optional(),
});
export type ImportRow = z.infer<typeof ImportRow>;

/** A row ready for api.import_users: its number in the input, and only the keys it states. */
export type SqlRow = Omit<ImportRow, "password_salt" | "sub"> & { row: number };

/** A row refused before or by the database. */
export type Refusal = { row: number; email?: string | null; reason: string };

/** Validates one parsed value; a refusal names the field at fault. */
export function checkRow(given: unknown, row: number, hashConfig?: HashConfig): SqlRow | Refusal {
  const value = isFirebaseUser(given) ? fromFirebaseUser(given) : given;
  const parsed = ImportRow.safeParse(value);
  const email = typeof (value as { email?: unknown })?.email === "string"
    ? (value as { email: string }).email
    : undefined;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length ? `${issue.path.join(".")}: ` : "";
    return { row, email, reason: `${at}${issue.message}` };
  }
  const { password_salt, sub: _sub, ...data } = parsed.data;
  try {
    if (password_salt != null) {
      if (!hashConfig) {
        return {
          row,
          email,
          reason: "password_salt is for Firebase hashes: send the project's hash_config too.",
        };
      }
      if (!data.password_hash) {
        return { row, email, reason: "password_salt was sent without a password_hash." };
      }
      data.password_hash = firebaseHash({
        signerKey: hashConfig.base64_signer_key,
        saltSeparator: hashConfig.base64_salt_separator,
        rounds: hashConfig.rounds,
        memCost: hashConfig.mem_cost,
      }, { passwordHash: data.password_hash, salt: password_salt });
    } else if (data.password_hash != null) parseHash(data.password_hash);
  } catch (cause) {
    if (cause instanceof HashProblem) return { row, email, reason: `password_hash: ${cause.message}` };
    throw cause;
  }
  // Absent and null both mean "not stated": the database keeps what it has.
  const stated = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null && v !== undefined));
  return { ...(stated as unknown as SqlRow), row };
}

/** True for a refusal rather than a row. */
export function isRefusal(checked: SqlRow | Refusal): checked is Refusal {
  return "reason" in checked;
}
