/**
 * A user's profile on the dashboard's user page (name, given and family name, locale, picture): what apps get with
 * the `profile` scope. Text only — the picture is its address as a link, never loaded into the dashboard (an image
 * from anywhere would tell its host who looks at the user). The address is an https URL (users_picture_check).
 */
import type { User } from "@/db/users.ts";

export function UserProfileFacts({ user }: { user: User }) {
  const names = [user.given_name, user.family_name].filter(Boolean).join(" · ");
  return (
    <>
      <dt>Name</dt>
      <dd>{user.name ?? "none"}</dd>
      {names && (
        <>
          <dt>Given · family name</dt>
          <dd>{names}</dd>
        </>
      )}
      {user.locale && (
        <>
          <dt>Locale</dt>
          <dd>
            <code>{user.locale}</code>
          </dd>
        </>
      )}
      {user.picture && (
        <>
          <dt>Picture</dt>
          <dd>
            <a href={user.picture} rel="noopener noreferrer nofollow" target="_blank">{user.picture}</a>
          </dd>
        </>
      )}
    </>
  );
}
