import type { ListedPasskey } from "@/db/passkeys.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { RowAction } from "./RowAction.tsx";

/** Where a passkey lives: synced by a passkey manager, or held by one authenticator. */
function kept(key: ListedPasskey): string {
  if (!key.synced) return "On one device";
  return key.backed_up ? "Synced across devices" : "Can sync, not backed up yet";
}

/**
 * The user page's passkeys: name, added, last used, synced or on one device, a warning for one that looked
 * cloned; an admin removes one (audited, the app's webhook told, the user mailed). Never a public key.
 */
export function UserPasskeysSection(
  { passkeys, action, csrf, canEdit }: {
    passkeys: ListedPasskey[];
    action: string;
    csrf: string;
    canEdit: boolean;
  },
) {
  return (
    <section class="card" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      {passkeys.length === 0
        ? <p class="muted">No passkeys: this user has not added one.</p>
        : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">Stored</th>
                {canEdit && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {passkeys.map((key) => (
                <tr key={key.id}>
                  <td>
                    {key.name} <code title="The start of its credential id">{key.id.slice(0, 8)}…</code>
                    {key.cloned_at && (
                      <p class="alert" role="note">
                        <span class="badge cloned">Possibly cloned</span> Its sign counter went backwards on
                        {" "}
                        {shortTime(key.cloned_at)}: two copies of this key may exist, so it is refused at
                        sign-in. Remove it; the user adds a new one.
                      </p>
                    )}
                  </td>
                  <td>{shortTime(key.created_at)}</td>
                  <td>{key.last_used_at ? shortTime(key.last_used_at) : "never"}</td>
                  <td>{kept(key)}</td>
                  {canEdit && (
                    <td>
                      <RowAction
                        action={`${action}/passkeys`}
                        csrf={csrf}
                        fields={{ credential_id: key.id }}
                        ariaLabel={`Remove passkey ${key.name}`}
                      >
                        Remove
                      </RowAction>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {canEdit && passkeys.length > 0 && (
        <p class="muted">
          Removing a passkey cannot be undone; the user is mailed when they have an address. Check who is
          asking first: remove a lost or possibly cloned key, and the user adds a new one.
        </p>
      )}
    </section>
  );
}
