/**
 * Firebase's `auth:export --format=json` users, read as import rows: localId becomes external_id, the
 * scrypt hash and salt keep their names (the import's hash_config makes them usable), displayName and photoUrl
 * become the profile's name and picture, Google, GitHub and Apple
 * provider entries become identities.
 */

const PROVIDERS: Record<string, string> = {
  "google.com": "google",
  "github.com": "github",
  "apple.com": "apple",
};

/** True for an object shaped like one user of a Firebase export. */
export function isFirebaseUser(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && "localId" in value;
}

/** The import row a Firebase export's user stands for (the row's checks still apply). */
export function fromFirebaseUser(user: Record<string, unknown>): Record<string, unknown> {
  const providers = Array.isArray(user.providerUserInfo) ? user.providerUserInfo : [];
  const identities = providers.flatMap((p: Record<string, unknown>) =>
    typeof p?.providerId === "string" && PROVIDERS[p.providerId]
      ? [{ provider: PROVIDERS[p.providerId], subject: p.rawId, email: p.email ?? null }]
      : []
  );
  const createdAt = Number(user.createdAt);
  return Object.fromEntries(
    Object.entries({
      email: user.email,
      email_verified: user.emailVerified,
      external_id: user.localId,
      name: user.displayName,
      picture: user.photoUrl,
      created_at: Number.isFinite(createdAt) && createdAt > 0 ? new Date(createdAt).toISOString() : undefined,
      disabled: user.disabled,
      password_hash: user.passwordHash,
      password_salt: user.salt,
      identities: identities.length ? identities : undefined,
    }).filter(([, v]) => v !== undefined),
  );
}
