/**
 * The account page's profile form: name, given, middle and family name, nickname, username, locale, time zone,
 * a picture and a website address — the OpenID Connect profile claims apps receive with the `profile` scope
 * (docs/account.md). One POST (action=profile); what the database refuses comes back as the field's message.
 * Birthdate and gender are shown, not asked: the app sets them (astapa.account_profile_fields). Values are text:
 * Preact escapes them.
 */
import type { AccountOverview } from "@/db/account.ts";
import type { AccountKey } from "@/lib/account/i18n.ts";

type Props = {
  user: AccountOverview["user"];
  /** The app's name, for who keeps birthdate and gender. */
  app: string;
  post: string;
  hidden: (action: string) => preact.JSX.Element;
  t: (key: AccountKey, values?: Record<string, string>) => string;
};

const FIELDS = [
  { id: "name", label: "name", max: 256, autocomplete: "name" },
  { id: "given_name", label: "givenName", max: 128, autocomplete: "given-name" },
  { id: "middle_name", label: "middleName", max: 128, autocomplete: "additional-name" },
  { id: "family_name", label: "familyName", max: 128, autocomplete: "family-name" },
  { id: "nickname", label: "nickname", max: 128, autocomplete: "nickname" },
  { id: "preferred_username", label: "preferredUsername", max: 128, autocomplete: "username" },
  { id: "locale", label: "locale", max: 35, autocomplete: "language", hint: "localeHint" },
  { id: "zoneinfo", label: "zoneinfo", max: 64, autocomplete: "off", hint: "zoneinfoHint" },
  { id: "picture", label: "picture", max: 2048, autocomplete: "photo", hint: "pictureHint" },
  { id: "website", label: "website", max: 2000, autocomplete: "url", hint: "websiteHint" },
] as const;

const URL_FIELDS = new Set<string>(["picture", "website"]);

export function ProfileForm({ user, app, post, hidden, t }: Props) {
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
            inputmode={URL_FIELDS.has(f.id) ? "url" : undefined}
            maxlength={f.max}
            autocomplete={f.autocomplete}
            value={user[f.id] ?? ""}
            aria-describedby={"hint" in f ? `${f.id}-hint` : undefined}
          />
          {"hint" in f && <span class="hint" id={`${f.id}-hint`}>{t(f.hint)}</span>}
        </p>
      ))}
      {(user.birthdate || user.gender) && (
        <p class="field" id="app-kept">
          {user.birthdate && <span>{t("birthdate")}: {user.birthdate}</span>}
          {user.birthdate && user.gender && <br />}
          {user.gender && <span>{t("gender")}: {user.gender}</span>}
          <span class="hint">{t("setByApp", { app })}</span>
        </p>
      )}
      <p>
        <button type="submit">{t("saveProfile")}</button>
      </p>
    </form>
  );
}
