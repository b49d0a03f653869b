/**
 * The user page's erasure (admins): typing the user's email (or, without one, their sub) confirms it, as the
 * person's own deletion asks for their address; POST …/users/:sub/delete erases through api.delete_user.
 */
import type { User } from "@/db/users.ts";
import { CsrfField } from "./Frame.tsx";

/** What the form asks to be typed: the address, or the sub of a user who has none. */
export function deletionConfirmation(user: Pick<User, "id" | "email">): string {
  return user.email ?? user.id;
}

export function DeleteUserSection({ user, action, csrf }: { user: User; action: string; csrf: string }) {
  const expected = deletionConfirmation(user);
  return (
    <section class="card danger-zone" aria-labelledby="delete-user-heading">
      <h2 id="delete-user-heading">Delete this user</h2>
      <p>
        Erases the account for good, as the person's own deletion does: every session and token ends; their
        ways to sign in, second factors, passkeys, memberships and claims go; subscriptions end. Payments and
        receipts keep a pseudonymous id. The app hears <code>user.deleted</code>; nobody is mailed.
      </p>
      <form method="post" action={`${action}/delete`} class="form">
        <CsrfField token={csrf} />
        <label for="delete-confirm">
          Type <code>{expected}</code> to confirm
        </label>
        <input id="delete-confirm" name="confirm" type="text" required autocomplete="off" maxLength={254} />
        <button type="submit" class="button danger">Delete this user</button>
      </form>
    </section>
  );
}
