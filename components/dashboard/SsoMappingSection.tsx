/**
 * The Organizations page's attribute mapping and group roles of an SSO connection (docs/enterprise-sso.md
 * "Attribute mapping and groups"): what it reads the address, names and groups under, and which IdP groups give
 * which organization role — shown to everyone who sees the page, edited by admins (api.set_sso_connection_mapping).
 */
import type { AttributeMapping, GroupRoles } from "@/db/sso_connections.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { ORGANIZATION_SSO_TEXT } from "@/lib/dashboard/text/organization_sso.ts";
import { CsrfField } from "./Frame.tsx";
import { Phrase } from "./Phrase.tsx";

const ATTRIBUTES = [
  ["email", "attributeEmail"],
  ["given_name", "attributeGivenName"],
  ["family_name", "attributeFamilyName"],
  ["groups", "attributeGroups"],
] as const;

/** The mapping as read: names set, and each group's role. */
export function SsoMappingSummary({ mapping, roles, lang }: {
  mapping: AttributeMapping;
  roles: GroupRoles;
  lang: Lang;
}) {
  const text = ORGANIZATION_SSO_TEXT[lang];
  const names = Object.entries(mapping);
  const groups = Object.entries(roles);
  return (
    <dl class="sso-mapping">
      <dt>{text.attributes}</dt>
      <dd data-attribute-mapping>
        {names.length === 0
          ? <span class="muted">{text.wellKnownNames}</span>
          : names.map(([name, value]) => (
            <span key={name}>
              {name} ← <code>{value}</code>
              {" "}
            </span>
          ))}
      </dd>
      <dt>{text.groupRoles}</dt>
      <dd data-group-roles>
        {groups.length === 0 ? <span class="muted">{text.noGroupRoles}</span> : (
          <ul>
            {groups.map(([group, role]) => (
              <li key={group}>
                <code>{group}</code> → {role}
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}

/** An admin's form: the four names (empty: the well-known ones) and the group roles, one GROUP=ROLE a line. */
export function SsoMappingForm({ action, csrf, organization, mapping, roles, roleChoices, lang }: {
  action: string;
  csrf: string;
  organization: string;
  mapping: AttributeMapping;
  roles: GroupRoles;
  roleChoices: { key: string; name: string }[];
  lang: Lang;
}) {
  const text = ORGANIZATION_SSO_TEXT[lang];
  return (
    <details>
      <summary>{text.attributesAndRoles}</summary>
      <form method="post" action={action} class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="organization" value={organization} />
        <p class="muted">{text.mappingHint}</p>
        {ATTRIBUTES.map(([name, label]) => (
          <label key={name}>
            {text[label]} <input name={`${name}_attribute`} maxLength={256} value={mapping[name] ?? ""} />
          </label>
        ))}
        <label>
          <Phrase
            text={text.groupRolesLabel}
            parts={{ format: <code>GROUP=ROLE</code>, roles: roleChoices.map((r) => r.key).join(", ") }}
          />{" "}
          <textarea name="group_roles" rows={4} maxLength={40_000}>
            {Object.entries(roles).map(([group, role]) => `${group}=${role}`).join("\n")}
          </textarea>
        </label>
        <button type="submit" name="action" value="save_mapping">{text.saveMapping}</button>
      </form>
    </details>
  );
}
