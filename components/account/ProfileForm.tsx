/**
 * The account page's profile form: name, given and family name, locale and a picture address — the OpenID
 * Connect profile claims apps receive with the `profile` scope (docs/account.md). One POST (action=profile);
 * what the database refuses comes back as the field's message. Values are text: Preact escapes them.
 */
import type { AccountOverview } from "@/db/account.ts";
import type { AccountKey } from "@/lib/account/i18n.ts";

type Props = {
  user: AccountOverview["user"];
  post: string;
  hidden: (action: string) => preact.JSX.Element;
  t: (key: AccountKey) => string;
};

const FIELDS = [
  { id: "name", label: "name", max: 256, autocomplete: "name" },
  { id: "given_name", label: "givenName", max: 128, autocomplete: "given-name" },
  { id: "family_name", label: "familyName", max: 128, autocomplete: "family-name" },
  { id: "locale", label: "locale", max: 35, autocomplete: "language", hint: "localeHint" },
  { id: "picture", label: "picture", max: 2048, autocomplete: "photo", hint: "pictureHint" },
] as const;

export function ProfileForm({ user, post, hidden, t }: Props) {
  return (
    <form method="post" action={post}>
      {hidden("profile")}
      {FIELDS.map((f) => (
        <p class="field" key={f.id}>
          <label for={f.id}>{t(f.label)}</label>
          <input
            id={f.id}
            name={f.id}
            type="text"
            inputmode={f.id === "picture" ? "url" : undefined}
            maxlength={f.max}
            autocomplete={f.autocomplete}
            value={user[f.id] ?? ""}
            aria-describedby={"hint" in f ? `${f.id}-hint` : undefined}
          />
          {"hint" in f && <span class="hint" id={`${f.id}-hint`}>{t(f.hint)}</span>}
        </p>
      ))}
      <p>
        <button type="submit">{t("saveProfile")}</button>
      </p>
    </form>
  );
}
