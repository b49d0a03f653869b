/**
 * A connection's attribute mapping and group roles as the Platform API, the CLI and the dashboard take them
 * (docs/enterprise-sso.md "Attribute mapping and groups"), checked here as SQL checks them again
 * (astapa.set_sso_mapping): names and group values 1 to 256 characters without control characters or surrounding
 * spaces, at most 100 groups, roles by key (which roles exist, and that owner is none of them, is SQL's to say);
 * an OpenID Connect claim name that is a path has no empty part (claim_path.ts).
 */
import { z } from "zod";
import { CLAIM_PATH_RULE, isClaimPath } from "./claim_path.ts";

const NAME_RULE = "1 to 256 characters, without control characters or surrounding spaces";

/** An attribute (SAML) or claim (OpenID Connect) name, or a group value. */
const SsoName = z.string().min(1).max(256)
  .refine((value) => value === value.trim() && !/\p{Cc}/u.test(value), { message: NAME_RULE });

export const AttributeMappingBody = z.strictObject({
  email: SsoName.nullable().optional(),
  given_name: SsoName.nullable().optional(),
  family_name: SsoName.nullable().optional(),
  groups: SsoName.nullable().optional(),
}).describe(
  "Attribute (SAML) or claim (OpenID Connect) names: email, given_name, family_name, groups. Replaces the whole " +
    "mapping; a name left out or null is read under the well-known names. Kept when left out.",
);

export const GroupRolesBody = z.record(SsoName, z.string().min(1).max(64))
  .refine((roles) => Object.keys(roles).length <= 100, { message: "at most 100 groups" })
  .describe(
    "The IdP's group values (names or ids, exact) → an organization role (admin, member or the project's own; " +
      "never owner). Replaces the whole map; {} maps none. Kept when left out.",
  );

/** An OpenID Connect claim name: a top-level name, or a path into nested claims split at dots (claim_path.ts). */
const ClaimName = SsoName.refine(isClaimPath, { message: CLAIM_PATH_RULE });

export const ClaimMappingBody = z.strictObject({
  email: ClaimName.nullable().optional(),
  given_name: ClaimName.nullable().optional(),
  family_name: ClaimName.nullable().optional(),
  groups: ClaimName.nullable().optional(),
}).describe(
  "Claim names: email, given_name, family_name, groups. A name is read as a top-level claim first, else as a " +
    "path into nested claims split at dots (realm_access.roles). Replaces the whole mapping; a name left out or " +
    "null is read under the well-known names. Kept when left out.",
);

/** The body fields both protocols' connections take. */
export const MappingFields = {
  attribute_mapping: AttributeMappingBody.optional(),
  group_roles: GroupRolesBody.optional(),
};

/** The same for an OpenID Connect connection: its claim names may be paths. */
export const OidcMappingFields = { ...MappingFields, attribute_mapping: ClaimMappingBody.optional() };

/** The SQL input of a body's mapping fields (null: kept). */
export function mappingOf(
  body: { attribute_mapping?: Record<string, string | null>; group_roles?: Record<string, string> },
) {
  return { attributeMapping: body.attribute_mapping ?? null, groupRoles: body.group_roles ?? null };
}
