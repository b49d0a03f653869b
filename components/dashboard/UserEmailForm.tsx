/**
 * The user page's address form (admins): a new email, and whether the app checked it; POST …/users/:sub/email
 * changes both through api.update_user (a new address is unverified unless the box is ticked; anything mailed to
 * the old one stops working).
 */
import type { User } from "@/db/users.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { USER_ACCOUNT_TEXT } from "@/lib/dashboard/text/user_account.ts";
import { CsrfField } from "./Frame.tsx";

export function UserEmailForm({ user, action, csrf, lang }: {
  user: User;
  action: string;
  csrf: string;
  lang: Lang;
}) {
  const text = USER_ACCOUNT_TEXT[lang];
  return (
    <form method="post" action={`${action}/email`} class="form">
      <CsrfField token={csrf} />
      <label for="user-email">{text.email}</label>
      <input id="user-email" name="email" type="email" required maxLength={254} value={user.email ?? ""} />
      <label class="checkbox">
        <input type="checkbox" name="email_verified" value="true" checked={user.email_verified} />{" "}
        {text.emailVerified}
      </label>
      <button type="submit" class="button secondary">{text.saveEmail}</button>
    </form>
  );
}
