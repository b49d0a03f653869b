/**
 * The Organizations page's SCIM cell (docs/scim.md): whether the organization's directory is on, its base URL and
 * how many people it provisioned; the token once, right after it was made; for admins, turning it on, replacing
 * the token and revoking it.
 */
import type { NewScimToken, ShownScimDirectory } from "@/lib/dashboard/organizations_page.ts";
import { CsrfField } from "./Frame.tsx";

export function ScimCell({ scim, fresh, admin, action, csrf, organization }: {
  scim: ShownScimDirectory | null;
  fresh: NewScimToken | null;
  admin: boolean;
  action: string;
  csrf: string;
  organization: string;
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
