/**
 * The profile a provider gives at sign-in, as OIDC profile claims (name, given_name, family_name, picture,
 * locale, and where a provider has them nickname, middle_name, preferred_username, website, zoneinfo, birthdate,
 * gender) for api.fill_profile — which keeps only strings, fills only empty fields and drops a value that breaks
 * its rule (db/api/profile.sql). Here each provider's shape is mapped, nothing is judged.
 */
import { z } from "zod";
import { PROFILE_CLAIM_NAMES } from "@/db/token_claims.ts";

/** The profile claims Astapa keeps (astapa.profile_fields): all but updated_at, which is Astapa's own. */
const PROFILE_CLAIMS = PROFILE_CLAIM_NAMES.filter((claim) => claim !== "updated_at");

/** What a provider said about the person; only these keys are read. */
export type ProviderProfile = Partial<
  Record<Exclude<typeof PROFILE_CLAIM_NAMES[number], "updated_at">, unknown>
>;

/**
 * The OIDC profile claims of an ID token (Google, an OIDC SSO connection: whatever its IdP sends of them), the
 * others left behind.
 */
export function oidcProfile(claims: Record<string, unknown>): ProviderProfile {
  return Object.fromEntries(
    PROFILE_CLAIMS.filter((claim) => claim in claims).map((claim) => [claim, claims[claim]]),
  );
}

/**
 * GitHub's GET /user: its display name (often null), avatar, login as preferred_username (the handle the person
 * chose and goes by; GitHub lets it change and be reused, which OIDC says of preferred_username anyway: never a
 * key) and blog as website (GitHub keeps what was typed, often without a scheme: example.com is https://).
 */
export function githubProfile(
  user: { name?: unknown; avatar_url?: unknown; login?: unknown; blog?: unknown },
): ProviderProfile {
  const blog = typeof user.blog === "string" ? user.blog.trim() : undefined;
  const website = blog && !/^[a-z][a-z0-9+.-]*:/i.test(blog) ? `https://${blog}` : blog;
  return {
    name: user.name,
    picture: user.avatar_url,
    preferred_username: user.login,
    website: website || undefined,
  };
}

const AppleUser = z.object({
  name: z.object({ firstName: z.string().max(500).optional(), lastName: z.string().max(500).optional() }),
});

/**
 * Apple's `user` form field: JSON with the name the person chose to share, sent on the first authorization only
 * (never in the ID token, never again). It is not signed: it is what the person's own browser posted beside a
 * code that the ID token then proves, so it carries no more authority than the person typing their name.
 */
export function appleProfile(user: string | undefined): ProviderProfile {
  if (!user) return {};
  let parsed;
  try {
    parsed = AppleUser.safeParse(JSON.parse(user));
  } catch {
    return {};
  }
  if (!parsed.success) return {};
  const { firstName, lastName } = parsed.data.name;
  const name = [firstName?.trim(), lastName?.trim()].filter(Boolean).join(" ");
  return { name: name || undefined, given_name: firstName, family_name: lastName };
}

/** SAML attribute names IdPs send profile values under (Okta, Google; Entra/ADFS claim URIs; LDAP). */
const SAML_ATTRIBUTES: Record<keyof ProviderProfile, string[]> = {
  name: [
    "name",
    "displayName",
    "http://schemas.microsoft.com/identity/claims/displayname",
    "urn:oid:2.16.840.1.113730.3.1.241",
  ],
  given_name: [
    "given_name",
    "firstName",
    "givenName",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    "urn:oid:2.5.4.42",
  ],
  family_name: [
    "family_name",
    "lastName",
    "sn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    "urn:oid:2.5.4.4",
  ],
  picture: ["picture"],
  locale: ["locale", "preferredLanguage", "urn:oid:2.16.840.1.113730.3.1.39"],
  nickname: ["nickname", "nickName"],
  middle_name: ["middle_name", "middleName"],
  preferred_username: ["preferred_username"],
  website: ["website"],
  zoneinfo: ["zoneinfo", "timezone"],
  birthdate: ["birthdate"],
  gender: ["gender"],
};

/** The profile in a SAML assertion's attributes: for each field, the first of its names that has one value. */
export function samlProfile(attributes: Record<string, string[]>): ProviderProfile {
  const profile: ProviderProfile = {};
  for (const [field, names] of Object.entries(SAML_ATTRIBUTES)) {
    const values = names.map((name) => attributes[name]).find((v) => v?.length === 1);
    if (values) profile[field as keyof ProviderProfile] = values[0];
  }
  return profile;
}
