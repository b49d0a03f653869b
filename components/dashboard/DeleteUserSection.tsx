/**
 * The user page's erasure (admins): typing the user's email (or, without one, their sub) confirms it, as the
 * person's own deletion asks for their address; POST …/users/:sub/delete erases through api.delete_user.
 */
import type { User } from "@/db/users.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { USER_ACCOUNT_TEXT } from "@/lib/dashboard/text/user_account.ts";
import { CsrfField } from "./Frame.tsx";
import { Phrase } from "./Phrase.tsx";

/** What the form asks to be typed: the address, or the sub of a user who has none. */
export function deletionConfirmation(user: Pick<User, "id" | "email">): string {
  return user.email ?? user.id;
}

export function DeleteUserSection({ user, action, csrf, lang }: {
  user: User;
  action: string;
  csrf: string;
  lang: Lang;
}) {
  const text = USER_ACCOUNT_TEXT[lang];
  const expected = deletionConfirmation(user);
  return (
    <section class="card danger-zone" aria-labelledby="delete-user-heading">
      <h2 id="delete-user-heading">{text.deleteTitle}</h2>
      <p>
        <Phrase text={text.deleteExplained} parts={{ event: <code>user.deleted</code> }} />
      </p>
      <form method="post" action={`${action}/delete`} class="form">
        <CsrfField token={csrf} />
        <label for="delete-confirm">
          <Phrase text={text.deleteConfirm} parts={{ expected: <code>{expected}</code> }} />
        </label>
        <input id="delete-confirm" name="confirm" type="text" required autocomplete="off" maxLength={254} />
        <button type="submit" class="button danger">{text.deleteTitle}</button>
      </form>
    </section>
  );
}
