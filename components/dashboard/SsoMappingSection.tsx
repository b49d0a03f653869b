/**
 * The Organizations page's attribute mapping and group roles of an SSO connection (docs/enterprise-sso.md
 * "Attribute mapping and groups"): what it reads the address, names and groups under, and which IdP groups give
 * which organization role — shown to everyone who sees the page, edited by admins (api.set_sso_connection_mapping).
 */
import type { AttributeMapping, GroupRoles } from "@/db/sso_connections.ts";
import { CsrfField } from "./Frame.tsx";

const ATTRIBUTES = [
  ["email", "Email"],
  ["given_name", "Given name"],
  ["family_name", "Family name"],
  ["groups", "Groups"],
] as const;

/** The mapping as read: names set, and each group's role. */
export function SsoMappingSummary({ mapping, roles }: { mapping: AttributeMapping; roles: GroupRoles }) {
  const names = Object.entries(mapping);
  const groups = Object.entries(roles);
  return (
    <dl class="sso-mapping">
      <dt>Attributes</dt>
      <dd data-attribute-mapping>
        {names.length === 0
          ? <span class="muted">the well-known names</span>
          : names.map(([name, value]) => (
            <span key={name}>
              {name} ← <code>{value}</code>
              {" "}
            </span>
          ))}
      </dd>
      <dt>Group roles</dt>
      <dd data-group-roles>
        {groups.length === 0 ? <span class="muted">none: sign-ins change no role</span> : (
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
export function SsoMappingForm({ action, csrf, organization, mapping, roles, roleChoices }: {
  action: string;
  csrf: string;
  organization: string;
  mapping: AttributeMapping;
  roles: GroupRoles;
  roleChoices: { key: string; name: string }[];
}) {
  return (
    <details>
      <summary>Attributes and group roles</summary>
      <form method="post" action={action} class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="organization" value={organization} />
        <p class="muted">
          SAML attribute or OpenID Connect claim names; empty reads the well-known names. Each sign-in gives
          the person the highest role of their mapped groups (member with none); owners keep their role, and a
          SCIM directory that maps groups decides roles instead.
        </p>
        {ATTRIBUTES.map(([name, label]) => (
          <label key={name}>
            {label} <input name={`${name}_attribute`} maxLength={256} value={mapping[name] ?? ""} />
          </label>
        ))}
        <label>
          Group roles (one <code>GROUP=ROLE</code> a line; roles: {roleChoices.map((r) => r.key).join(", ")})
          {" "}
          <textarea name="group_roles" rows={4} maxLength={40_000}>
            {Object.entries(roles).map(([group, role]) => `${group}=${role}`).join("\n")}
          </textarea>
        </label>
        <button type="submit" name="action" value="save_mapping">Save attributes and group roles</button>
      </form>
    </details>
  );
}
