/**
 * The Organizations page's SCIM cell (docs/scim.md): whether the organization's directory is on, its base URL and
 * how many people it provisioned; the token once, right after it was made; the groups its IdP pushed with the role
 * each maps to; for admins, turning it on, replacing the token, revoking it and mapping groups to roles.
 */
import type { NewScimToken, ShownScimDirectory } from "@/lib/dashboard/organizations_page.ts";
import { CsrfField } from "./Frame.tsx";

export function ScimCell({ scim, fresh, admin, action, csrf, organization, roles }: {
  scim: ShownScimDirectory | null;
  fresh: NewScimToken | null;
  admin: boolean;
  action: string;
  csrf: string;
  organization: string;
  /** The roles a group may map to (never owner). */
  roles: { key: string; name: string }[];
}) {
  const on = scim?.token_active ?? false;
  return (
    <>
      {scim === null ? <span class="muted">off</span> : (
        <>
          {on ? "on" : "token revoked"} · {scim.active_users} of {scim.users} active
          <dl class="scim">
            <dt>Base URL (give the IdP)</dt>
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
            />
          )}
        </>
      )}
      {fresh && (
        <div class="notice" role="status" data-scim-token>
          <p>
            The SCIM token, shown this once: give it to the IdP with the base URL. It is not stored in a form
            that can be shown again.
          </p>
          <code>{fresh.token}</code>
        </div>
      )}
      {admin && (
        <form method="post" action={action} class="inline">
          <CsrfField token={csrf} />
          <input type="hidden" name="organization" value={organization} />
          <button type="submit" name="action" value="enable">
            {on ? "Replace the token (the old one stops working)" : "Turn on SCIM"}
          </button>
          {on && <button type="submit" name="action" value="revoke">Revoke the token</button>}
        </form>
      )}
    </>
  );
}

/** The groups the IdP pushed: name, members, role; admins pick the role (the highest a member's groups give wins). */
function ScimGroups({ groups, admin, action, csrf, organization, roles }: {
  groups: ShownScimDirectory["groups"];
  admin: boolean;
  action: string;
  csrf: string;
  organization: string;
  roles: { key: string; name: string }[];
}) {
  return (
    <table class="scim-groups">
      <caption>IdP groups → organization roles</caption>
      <tbody>
        {groups.map((g) => (
          <tr key={g.id} data-scim-group={g.id}>
            <td>{g.display_name} · {g.members} members</td>
            <td>
              {admin
                ? (
                  <form method="post" action={action} class="inline">
                    <CsrfField token={csrf} />
                    <input type="hidden" name="organization" value={organization} />
                    <input type="hidden" name="group" value={g.id} />
                    <select name="role" aria-label={`Role of ${g.display_name}`}>
                      <option value="" selected={g.role === null}>No role (unmapped)</option>
                      {roles.map((r) => (
                        <option key={r.key} value={r.key} selected={g.role === r.key}>{r.name}</option>
                      ))}
                    </select>
                    <button type="submit" name="action" value="map">Save</button>
                  </form>
                )
                : (g.role ?? "unmapped")}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
