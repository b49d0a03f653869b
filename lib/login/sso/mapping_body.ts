/**
 * A connection's attribute mapping and group roles as the Platform API, the CLI and the dashboard take them
 * (docs/enterprise-sso.md "Attribute mapping and groups"), checked here as SQL checks them again
 * (astapa.set_sso_mapping): names and group values 1 to 256 characters without control characters or surrounding
 * spaces, at most 100 groups, roles by key (which roles exist, and that owner is none of them, is SQL's to say).
 */
import { z } from "zod";

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

/** The body fields both protocols' connections take. */
export const MappingFields = {
  attribute_mapping: AttributeMappingBody.optional(),
  group_roles: GroupRolesBody.optional(),
};

/** The SQL input of a body's mapping fields (null: kept). */
export function mappingOf(
  body: { attribute_mapping?: Record<string, string | null>; group_roles?: Record<string, string> },
) {
  return { attributeMapping: body.attribute_mapping ?? null, groupRoles: body.group_roles ?? null };
}
