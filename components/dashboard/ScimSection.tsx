/**
 * The Organizations page's SCIM cell (docs/scim.md): whether the organization's directory is on, its base URL and
 * how many people it provisioned; the token once, right after it was made; the groups its IdP pushed with the role
 * each maps to; for admins, turning it on, replacing the token, revoking it and mapping groups to roles.
 */
import type { NewScimToken, ShownScimDirectory } from "@/lib/dashboard/organizations_page.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { fill } from "@/lib/dashboard/i18n.ts";
import { ORGANIZATION_SSO_TEXT } from "@/lib/dashboard/text/organization_sso.ts";
import { CsrfField } from "./Frame.tsx";

export function ScimCell({ scim, fresh, admin, action, csrf, organization, roles, lang }: {
  scim: ShownScimDirectory | null;
  fresh: NewScimToken | null;
  admin: boolean;
  action: string;
  csrf: string;
  organization: string;
  /** The roles a group may map to (never owner). */
  roles: { key: string; name: string }[];
  lang: Lang;
}) {
  const text = ORGANIZATION_SSO_TEXT[lang];
  const on = scim?.token_active ?? false;
  return (
    <>
      {scim === null ? <span class="muted">{text.scimOff}</span> : (
        <>
          {on ? text.scimOn : text.tokenRevoked} ·{" "}
          {fill(text.activeOf, { active: scim.active_users, users: scim.users })}
          <dl class="scim">
            <dt>{text.baseUrl}</dt>
            <dd>
              <code>{scim.base_url}</code>
            </dd>
          </dl>
          {scim.groups.length > 0 && (
            <ScimGroups
              groups={scim.groups}
              admin={admin}
              action={action}
              csrf={csrf}
              organization={organization}
              roles={roles}
              lang={lang}
            />
          )}
        </>
      )}
      {fresh && (
        <div class="notice" role="status" data-scim-token>
          <p>{text.tokenOnce}</p>
          <code>{fresh.token}</code>
        </div>
      )}
      {admin && (
        <form method="post" action={action} class="inline">
          <CsrfField token={csrf} />
          <input type="hidden" name="organization" value={organization} />
          <button type="submit" name="action" value="enable">
            {on ? text.replaceToken : text.turnOnScim}
          </button>
          {on && <button type="submit" name="action" value="revoke">{text.revokeToken}</button>}
        </form>
      )}
    </>
  );
}

/** The groups the IdP pushed: name, members, role; admins pick the role (the highest a member's groups give wins). */
function ScimGroups({ groups, admin, action, csrf, organization, roles, lang }: {
  groups: ShownScimDirectory["groups"];
  admin: boolean;
  action: string;
  csrf: string;
  organization: string;
  roles: { key: string; name: string }[];
  lang: Lang;
}) {
  const text = ORGANIZATION_SSO_TEXT[lang];
  return (
    <table class="scim-groups">
      <caption>{text.groupsCaption}</caption>
      <tbody>
        {groups.map((g) => (
          <tr key={g.id} data-scim-group={g.id}>
            <td>{fill(text.groupMembers, { name: g.display_name, count: g.members })}</td>
            <td>
              {admin
                ? (
                  <form method="post" action={action} class="inline">
                    <CsrfField token={csrf} />
                    <input type="hidden" name="organization" value={organization} />
                    <input type="hidden" name="group" value={g.id} />
                    <select name="role" aria-label={fill(text.roleOf, { name: g.display_name })}>
                      <option value="" selected={g.role === null}>{text.noRole}</option>
                      {roles.map((r) => (
                        <option key={r.key} value={r.key} selected={g.role === r.key}>{r.name}</option>
                      ))}
                    </select>
                    <button type="submit" name="action" value="map">{text.saveRole}</button>
                  </form>
                )
                : (g.role ?? text.unmapped)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
