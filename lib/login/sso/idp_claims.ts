/**
 * What an SSO sign-in reads of the person from the IdP's ID token claims (OpenID Connect) or assertion attributes
 * (SAML), by the connection's attribute mapping (docs/enterprise-sso.md "Attribute mapping and groups"): a name the
 * mapping sets is read under that name only, one it leaves out under the well-known names, as before mappings
 * existed. Groups are read only when the connection maps groups to roles, and arrive untrusted: values that are not
 * strings, or longer than any mapped group may be (so matching none), are dropped; more than MAX_GROUPS values
 * refuse the sign-in with a fixed reason (the SSO problem page, logged `sso_groups_too_many`), before anything is
 * written. So does Entra ID's "overage" — past 200 groups (150 in SAML) it sends none, only where to fetch them
 * (`_claim_names`/`_claim_sources`, the `groups.link` attribute): read as no groups, the person would sign in with
 * the lowest role, or lose the one they have (logged `sso_groups_overage`; docs/enterprise-sso.md says how to
 * send only the groups assigned to the app).
 */
import type { SsoIdentity, SsoSignInConnection } from "@/db/sso_connections.ts";
import { oidcProfile, samlProfile } from "../social/profile_claims.ts";
import { SocialSignInError } from "../social/errors.ts";
import { type SamlAssertionFacts, samlEmail } from "./saml_service.ts";
import { claimAt } from "./claim_path.ts";

/** At most this many group values per sign-in (api.sign_in_with_sso refuses more too). */
export const MAX_GROUPS = 200;
/** A mapped group value is at most this long (astapa.sso_group_roles): a longer value matches none. */
export const MAX_GROUP_LENGTH = 256;

/** The OpenID Connect claim groups arrive in when the mapping names none (Okta, Keycloak, Entra ID). */
const OIDC_GROUPS_CLAIM = "groups";
/** SAML attribute names IdPs send groups under (Okta, Google: groups; Entra ID's claim URI; ADFS and LDAP). */
const SAML_GROUPS_ATTRIBUTES = [
  "groups",
  "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
  "memberOf",
];

const tooManyGroups = () => new SocialSignInError("ssoTooManyGroups", 400, { reason: "sso_groups_too_many" });
const groupsOverage = () => new SocialSignInError("ssoTooManyGroups", 400, { reason: "sso_groups_overage" });
/** The attribute Entra ID sends in a SAML assertion instead of the groups when there are more than 150. */
const SAML_GROUPS_LINK = "http://schemas.microsoft.com/claims/groups.link";

/** Whether an ID token says its `claim` is elsewhere (OpenID Connect Core §5.6.2 distributed claims). */
function distributed(claims: Record<string, unknown>, claim: string): boolean {
  const names = claims._claim_names;
  return typeof names === "object" && names !== null && !Array.isArray(names) && Object.hasOwn(names, claim);
}

/** Whether sign-ins through the connection read groups at all: only when it maps some to roles. */
const mapsGroups = (connection: SsoSignInConnection) => Object.keys(connection.group_roles).length > 0;

/** The group values of a claim or attribute (one value or a list), checked as untrusted input. */
export function groupsOf(value: unknown): string[] | SocialSignInError {
  const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  if (values.length > MAX_GROUPS) return tooManyGroups();
  const kept = values.filter((v): v is string =>
    typeof v === "string" && v.length > 0 && v.length <= MAX_GROUP_LENGTH
  );
  return [...new Set(kept)];
}

/** The person an ID token names, read by the connection's mapping; a refusal when its groups are too many. */
export function oidcIdentity(
  claims: Record<string, unknown>,
  connection: SsoSignInConnection,
): SsoIdentity | SocialSignInError {
  const mapping = connection.attribute_mapping;
  // A mapped name may be a path into nested claims (Keycloak's realm_access.roles): claim_path.ts.
  const email = claimAt(claims, mapping.email ?? "email");
  const profile = oidcProfile(claims);
  if (mapping.given_name) profile.given_name = claimAt(claims, mapping.given_name);
  if (mapping.family_name) profile.family_name = claimAt(claims, mapping.family_name);
  const groupsClaim = mapping.groups ?? OIDC_GROUPS_CLAIM;
  const groupValues = mapsGroups(connection) ? claimAt(claims, groupsClaim) : undefined;
  if (mapsGroups(connection) && groupValues === undefined && distributed(claims, groupsClaim)) {
    return groupsOverage();
  }
  const groups = mapsGroups(connection) ? groupsOf(groupValues) : undefined;
  if (groups instanceof SocialSignInError) return groups;
  return {
    subject: String(claims.sub),
    email: typeof email === "string" ? email : "",
    emailVerified: claims.email_verified === true && sameAddress(email, claims.email),
    profile,
    ...(groups ? { groups } : {}),
    // The IdP's session, which its back-channel logout token may name (a sid Astapa could not keep is none).
    oidc: {
      sid: typeof claims.sid === "string" && claims.sid.length >= 1 && claims.sid.length <= 255
        ? claims.sid
        : null,
    },
  };
}

/**
 * Whether the address read (a mapped claim's, or `email` itself) is the one `email_verified` speaks of: OpenID
 * Connect verifies the `email` claim only, and another claim (a secondary address, a custom profile attribute) may
 * be one the person edits at the IdP. A mapped address that differs is unverified, so a connection that requires
 * verified addresses refuses it (the organization turns `email_verified_required` off to vouch for the claim).
 */
function sameAddress(read: unknown, email: unknown): boolean {
  return typeof read === "string" && typeof email === "string" &&
    read.trim().toLowerCase() === email.trim().toLowerCase();
}

/** What a verified assertion says of the person beyond its subject, read by the connection's mapping. */
export function samlMappedClaims(
  facts: SamlAssertionFacts,
  connection: SsoSignInConnection,
): Pick<SsoIdentity, "email" | "profile" | "groups"> | SocialSignInError {
  const mapping = connection.attribute_mapping;
  const single = (name: string) => {
    const values = facts.attributes[name];
    return values?.length === 1 ? values[0] : undefined;
  };
  // A mapped address is that attribute's, never the NameID's (an Entra ID NameID may be a UPN, not the mailbox).
  const email = mapping.email ? single(mapping.email) ?? "" : samlEmail(facts);
  const profile = samlProfile(facts.attributes);
  if (mapping.given_name) profile.given_name = single(mapping.given_name);
  if (mapping.family_name) profile.family_name = single(mapping.family_name);
  if (!mapsGroups(connection)) return { email, profile };
  const names = mapping.groups ? [mapping.groups] : SAML_GROUPS_ATTRIBUTES;
  const values = names.map((name) => facts.attributes[name]).find((values) => values?.length);
  if (!values && facts.attributes[SAML_GROUPS_LINK]?.length) return groupsOverage();
  const groups = groupsOf(values ?? []);
  if (groups instanceof SocialSignInError) return groups;
  return { email, profile, groups };
}
