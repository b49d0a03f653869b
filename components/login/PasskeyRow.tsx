/**
 * One row of the hosted passkeys page: the passkey's name, when it was added and last used, and its Rename and
 * Remove actions. Each action is a disclosure (details/summary, no JavaScript) opening a small labelled form,
 * so renaming is clearly a form and removing asks once more, naming the key, before it posts.
 */
import { type Lang, MESSAGES } from "@/lib/login/i18n.ts";
import type { OwnPasskeys } from "@/db/passkeys.ts";

const day = (lang: Lang, iso: string) =>
  new Date(iso).toLocaleDateString(lang === "id" ? "id-ID" : "en-GB", {
    dateStyle: "medium",
    timeZone: "UTC",
  });

type PasskeyRowProps = {
  passkey: OwnPasskeys["passkeys"][number];
  lang: Lang;
  /** Where both forms post (the page itself, keeping its language and welcome offer). */
  action: string;
  request: string;
  csrf: string;
  /** Signed in within the last 10 minutes: the Remove action is offered. */
  removable: boolean;
};

export function PasskeyRow({ passkey, lang, action, request, csrf, removable }: PasskeyRowProps) {
  const t = MESSAGES[lang];
  const hidden = (
    <>
      <input type="hidden" name="request" value={request} />
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="id" value={passkey.id} />
    </>
  );
  return (
    <li class="passkey-row">
      <strong class="passkey-name">{passkey.name}</strong>
      <span class="passkey-meta muted">
        {t.passkeyCreated} {day(lang, passkey.created_at)} ·{" "}
        {passkey.last_used_at
          ? `${t.passkeyLastUsed} ${day(lang, passkey.last_used_at)}`
          : t.passkeyNeverUsed}
        {" · "}
        {passkey.synced ? t.passkeySynced : t.passkeyOneDevice}
      </span>
      <div class="passkey-actions">
        <details>
          <summary class="button small secondary">{t.passkeyRename}</summary>
          <form method="post" action={action}>
            {hidden}
            <p class="field">
              <label for={`rename-${passkey.id}`}>{t.passkeyRenameLabel}</label>
              <input
                id={`rename-${passkey.id}`}
                name="name"
                type="text"
                maxlength={64}
                value={passkey.name}
                required
              />
            </p>
            <button type="submit" name="action" value="rename">{t.passkeyRenameSave}</button>
          </form>
        </details>
        {removable && (
          <details>
            <summary class="button small secondary">{t.passkeyRemove}</summary>
            <form method="post" action={action}>
              {hidden}
              <p>{t.passkeyRemoveConfirm.replace("{name}", passkey.name)}</p>
              <button type="submit" name="action" value="remove" class="danger">{t.passkeyRemoveYes}</button>
            </form>
          </details>
        )}
      </div>
    </li>
  );
}
