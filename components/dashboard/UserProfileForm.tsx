/**
 * The user page's profile form (admins): the OpenID Connect profile fields the Platform API's PATCH sets, posted
 * to …/users/:sub/profile, which changes them through the same api.update_user (audited user.profile_updated, by
 * admin). A blank field clears it. What the database or the shared schema refuses comes back beside its field,
 * with what was typed. The time zone is typed with the zones Postgres knows offered as a datalist (about 600: a
 * select would be a long scroll). Values are text: Preact escapes them.
 */
import type { User } from "@/db/users.ts";
import { CsrfField } from "./Frame.tsx";

type Field = {
  id: keyof User & string;
  label: string;
  /** The users_<field>_check length (migrations 4261 and 4280). */
  max: number;
  type?: "url" | "text";
  hint?: string;
};

const FIELDS: Field[] = [
  { id: "name", label: "Name", max: 256 },
  { id: "given_name", label: "Given name", max: 128 },
  { id: "middle_name", label: "Middle name", max: 128 },
  { id: "family_name", label: "Family name", max: 128 },
  { id: "nickname", label: "Nickname", max: 128 },
  { id: "preferred_username", label: "Username", max: 128, hint: "Not unique: never a key for your app." },
  { id: "locale", label: "Locale", max: 35, hint: "A BCP 47 language tag, e.g. id-ID." },
  { id: "zoneinfo", label: "Time zone", max: 64, hint: "An IANA time zone name, e.g. Asia/Jakarta." },
  { id: "birthdate", label: "Birthdate", max: 10, hint: "YYYY-MM-DD, or 0000-MM-DD without the year." },
  { id: "gender", label: "Gender", max: 64 },
  { id: "picture", label: "Picture", max: 2048, type: "url", hint: "An https:// address." },
  { id: "website", label: "Website", max: 2000, type: "url", hint: "An https:// or http:// address." },
];

type Props = {
  user: User;
  action: string;
  csrf: string;
  timeZones: string[];
  /** A refused post's messages by field, and what it posted. */
  errors?: Record<string, string[]>;
  draft?: Record<string, string>;
};

export function UserProfileForm({ user, action, csrf, timeZones, errors, draft }: Props) {
  return (
    <details class="profile-form" open={errors !== undefined || undefined}>
      <summary>Edit the profile</summary>
      <form method="post" action={`${action}/profile`} class="form" novalidate>
        <CsrfField token={csrf} />
        {FIELDS.map((f) => {
          const problems = errors?.[f.id];
          const posted = draft?.[f.id];
          const described = [f.hint ? `profile-${f.id}-hint` : "", problems ? `profile-${f.id}-error` : ""]
            .filter(Boolean).join(" ");
          return (
            <p class="field" key={f.id}>
              <label for={`profile-${f.id}`}>{f.label}</label>
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
              {f.hint && <span class="hint" id={`profile-${f.id}-hint`}>{f.hint}</span>}
              {problems && <span class="field-error" id={`profile-${f.id}-error`}>{problems.join(" ")}</span>}
            </p>
          );
        })}
        <datalist id="profile-zones">
          {timeZones.map((zone) => <option key={zone} value={zone} />)}
        </datalist>
        <button type="submit" class="button secondary">Save the profile</button>
      </form>
    </details>
  );
}
