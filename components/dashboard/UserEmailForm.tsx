/**
 * The user page's address form (admins): a new email, and whether the app checked it; POST …/users/:sub/email
 * changes both through api.update_user (a new address is unverified unless the box is ticked; anything mailed to
 * the old one stops working).
 */
import type { User } from "@/db/users.ts";
import { CsrfField } from "./Frame.tsx";

export function UserEmailForm({ user, action, csrf }: { user: User; action: string; csrf: string }) {
  return (
    <form method="post" action={`${action}/email`} class="form">
      <CsrfField token={csrf} />
      <label for="user-email">Email</label>
      <input id="user-email" name="email" type="email" required maxLength={254} value={user.email ?? ""} />
      <label class="checkbox">
        <input type="checkbox" name="email_verified" value="true" checked={user.email_verified} />{" "}
        The address is verified (the person proved they hold it)
      </label>
      <button type="submit" class="button secondary">Save the address</button>
    </form>
  );
}
