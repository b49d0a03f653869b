/**
 * The account page's passkeys: each with its name, when it was added and last used, and a link to the hosted
 * passkeys page (/auth/passkeys) that adds, renames and removes them (it asks for a fresh sign-in itself).
 */
import type { AccountOverview } from "@/db/account.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { accountDate, sectionSay } from "@/lib/account/section_words.ts";

export function AccountPasskeys(
  { lang, passkeys, manage }: { lang: Lang; passkeys: AccountOverview["passkeys"]; manage: string | null },
) {
  const t = (key: Parameters<typeof sectionSay>[1], values: Record<string, string> = {}) =>
    sectionSay(lang, key, values);
  // A project without passkeys shows nothing, unless the person still has some from before it turned them off.
  if (!manage && passkeys.length === 0) return null;
  return (
    <div id="passkeys">
      <h3>{t("passkeys")}</h3>
      {passkeys.length === 0 ? <p class="muted">{t("passkeysNone")}</p> : (
        <ul class="account-list">
          {passkeys.map((k) => (
            <li>
              <strong>{k.name}</strong>
              {k.synced ? ` (${t("passkeySynced")})` : ""} —{" "}
              {t("passkeyAdded", { date: accountDate(lang, k.created_at) })}, {k.last_used_at
                ? t("passkeyUsed", { date: accountDate(lang, k.last_used_at) })
                : t("passkeyNeverUsed")}
            </li>
          ))}
        </ul>
      )}
      {manage && (
        <p>
          <a href={manage}>{t("managePasskeys")}</a>
        </p>
      )}
    </div>
  );
}
