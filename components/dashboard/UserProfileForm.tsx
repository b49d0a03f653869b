/**
 * The user page's profile form (admins): the OpenID Connect profile fields the Platform API's PATCH sets, posted
 * to …/users/:sub/profile, which changes them through the same api.update_user (audited user.profile_updated, by
 * admin). A blank field clears it. What the database or the shared schema refuses comes back beside its field,
 * with what was typed. The time zone is typed with the zones Postgres knows offered as a datalist (about 600: a
 * select would be a long scroll). Values are text: Preact escapes them.
 */
import type { User } from "@/db/users.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import type { Posted } from "@/lib/dashboard/form_action.ts";
import { USER_ACCOUNT_TEXT } from "@/lib/dashboard/text/user_account.ts";
import { CsrfField } from "./Frame.tsx";

type Field = {
  id: keyof User & string;
  label: keyof typeof USER_ACCOUNT_TEXT.en;
  /** The users_<field>_check length (migrations 4261 and 4280). */
  max: number;
  type?: "url" | "text";
  hint?: keyof typeof USER_ACCOUNT_TEXT.en;
};

const FIELDS: Field[] = [
  { id: "name", label: "name", max: 256 },
  { id: "given_name", label: "givenName", max: 128 },
  { id: "middle_name", label: "middleName", max: 128 },
  { id: "family_name", label: "familyName", max: 128 },
  { id: "nickname", label: "nickname", max: 128 },
  { id: "preferred_username", label: "username", max: 128, hint: "usernameHint" },
  { id: "locale", label: "locale", max: 35, hint: "localeHint" },
  { id: "zoneinfo", label: "timeZone", max: 64, hint: "timeZoneHint" },
  { id: "birthdate", label: "birthdate", max: 10, hint: "birthdateHint" },
  { id: "gender", label: "gender", max: 64 },
  { id: "picture", label: "picture", max: 2048, type: "url", hint: "pictureHint" },
  { id: "website", label: "website", max: 2000, type: "url", hint: "websiteHint" },
];

type Props = {
  user: User;
  action: string;
  csrf: string;
  timeZones: string[];
  /** A refused post's messages by field, and what it posted. */
  errors?: Record<string, string[]>;
  draft?: Posted;
  lang: Lang;
};

export function UserProfileForm({ user, action, csrf, timeZones, errors, draft, lang }: Props) {
  const text = USER_ACCOUNT_TEXT[lang];
  return (
    <details class="profile-form" open={errors !== undefined || undefined}>
      <summary>{text.editProfile}</summary>
      <form method="post" action={`${action}/profile`} class="form" novalidate>
        <CsrfField token={csrf} />
        {FIELDS.map((f) => {
          const problems = errors?.[f.id];
          const posted = draft?.[f.id];
          const described = [f.hint ? `profile-${f.id}-hint` : "", problems ? `profile-${f.id}-error` : ""]
            .filter(Boolean).join(" ");
          return (
            <p class="field" key={f.id}>
              <label for={`profile-${f.id}`}>{text[f.label]}</label>
              <input
                id={`profile-${f.id}`}
                name={f.id}
                type={f.type ?? "text"}
                maxLength={f.max}
                list={f.id === "zoneinfo" ? "profile-zones" : undefined}
                value={typeof posted === "string" ? posted : (user[f.id] as string | null) ?? ""}
                aria-invalid={problems ? "true" : undefined}
                aria-describedby={described || undefined}
              />
              {f.hint && <span class="hint" id={`profile-${f.id}-hint`}>{text[f.hint]}</span>}
              {problems && <span class="field-error" id={`profile-${f.id}-error`}>{problems.join(" ")}</span>}
            </p>
          );
        })}
        <datalist id="profile-zones">
          {timeZones.map((zone) => <option key={zone} value={zone} />)}
        </datalist>
        <button type="submit" class="button secondary">{text.saveProfile}</button>
      </form>
    </details>
  );
}
