import type { ListedPasskey } from "@/db/passkeys.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { RowAction } from "./RowAction.tsx";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { USER_ACCESS_TEXT } from "@/lib/dashboard/text/user_access.ts";

type Words = (typeof USER_ACCESS_TEXT)["en"];

/** Where a passkey lives: synced by a passkey manager, or held by one authenticator. */
function kept(key: ListedPasskey, text: Words): string {
  if (!key.synced) return text.onOneDevice;
  return key.backed_up ? text.synced : text.notBackedUp;
}

/**
 * The user page's passkeys: name, added, last used, synced or on one device, a warning for one that looked
 * cloned; an admin removes one (audited, the app's webhook told, the user mailed). Never a public key.
 */
export function UserPasskeysSection(
  { passkeys, action, csrf, canEdit, lang }: {
    passkeys: ListedPasskey[];
    action: string;
    csrf: string;
    canEdit: boolean;
    lang: Lang;
  },
) {
  const text = USER_ACCESS_TEXT[lang];
  const when = (value: string) => shortTime(value, lang);
  return (
    <section class="card" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">{text.passkeys}</h2>
      {passkeys.length === 0 ? <p class="muted">{text.noPasskeys}</p> : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{text.columnName}</th>
              <th scope="col">{text.columnAdded}</th>
              <th scope="col">{text.columnLastUsed}</th>
              <th scope="col">{text.columnStored}</th>
              {canEdit && <th scope="col">{text.columnAction}</th>}
            </tr>
          </thead>
          <tbody>
            {passkeys.map((key) => (
              <tr key={key.id}>
                <td>
                  {key.name} <code title={text.credentialStart}>{key.id.slice(0, 8)}…</code>
                  {key.cloned_at && (
                    <p class="alert" role="note">
                      <span class="badge cloned">{text.possiblyCloned}</span>
                      {fill(text.clonedExplained, { date: when(key.cloned_at) })}
                    </p>
                  )}
                </td>
                <td>{when(key.created_at)}</td>
                <td>{key.last_used_at ? when(key.last_used_at) : text.never}</td>
                <td>{kept(key, text)}</td>
                {canEdit && (
                  <td>
                    <RowAction
                      action={`${action}/passkeys`}
                      csrf={csrf}
                      fields={{ credential_id: key.id }}
                      ariaLabel={fill(text.removePasskeyOf, { name: key.name })}
                    >
                      {text.remove}
                    </RowAction>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && passkeys.length > 0 && <p class="muted">{text.removePasskeyWarning}</p>}
    </section>
  );
}
