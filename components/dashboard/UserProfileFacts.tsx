/**
 * A user's profile on the dashboard's user page (name, given, middle and family name, nickname, username, locale,
 * time zone, picture, website, birthdate, gender — the set ones): what apps get with the `profile` scope. Text
 * only — the picture is its address as a link, never loaded into the dashboard (an image from anywhere would tell
 * its host who looks at the user). The address is an https URL (users_picture_check); the website an http(s) one
 * (users_website_check), a link that opens without the dashboard as referrer.
 */
import { Fragment } from "preact";
import type { User } from "@/db/users.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { USER_ACCOUNT_TEXT } from "@/lib/dashboard/text/user_account.ts";

/** The text facts beyond the names, in the order of OIDC Core §5.1. */
const MORE_FACTS = [
  ["nickname", "nickname"],
  ["preferred_username", "username"],
  ["zoneinfo", "timeZone"],
  ["birthdate", "birthdate"],
  ["gender", "gender"],
] as const;

export function UserProfileFacts({ user, lang }: { user: User; lang: Lang }) {
  const text = USER_ACCOUNT_TEXT[lang];
  const names = [user.given_name, user.middle_name, user.family_name].filter(Boolean).join(" · ");
  return (
    <>
      <dt>{text.name}</dt>
      <dd>{user.name ?? text.none}</dd>
      {names && (
        <>
          <dt>{user.middle_name ? text.givenMiddleFamily : text.givenFamily}</dt>
          <dd>{names}</dd>
        </>
      )}
      {user.locale && (
        <>
          <dt>{text.locale}</dt>
          <dd>
            <code>{user.locale}</code>
          </dd>
        </>
      )}
      {MORE_FACTS.map(([key, label]) =>
        user[key] && (
          <Fragment key={key}>
            <dt>{text[label]}</dt>
            <dd>{user[key]}</dd>
          </Fragment>
        )
      )}
      {user.website && (
        <>
          <dt>{text.website}</dt>
          <dd>
            <a href={user.website} rel="noopener noreferrer nofollow" target="_blank">{user.website}</a>
          </dd>
        </>
      )}
      {user.picture && (
        <>
          <dt>{text.picture}</dt>
          <dd>
            <a href={user.picture} rel="noopener noreferrer nofollow" target="_blank">{user.picture}</a>
          </dd>
        </>
      )}
    </>
  );
}
