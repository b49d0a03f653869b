/**
 * The SDK's sign-in method switches (`astapa.signInMethods`): passwords, passkeys, email codes, sign-up by
 * code and the breached-password lookups, as the dashboard's Settings → Ways to sign in sets them (docs/passkeys.md), through the Platform API.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type SignInMethods = {
  /** Password sign-in, sign-up and reset (default true). */
  passwords: boolean;
  /** Passkey sign-in, offered after sign-up (default false). */
  passkeys: boolean;
  /** After a password sign-in the password manager may make a passkey without a dialog (default false). */
  passkey_upgrade: boolean;
  /** "Email me a code": a 6-digit code and a sign-in link (default false). */
  email_codes: boolean;
  /** An emailed code may create the account (default false). */
  email_code_sign_up: boolean;
  /** A chosen password known from a breach (Pwned Passwords) is refused (default true). */
  breached_passwords: boolean;
  /** A right password known from a breach lets nobody in; its owner is mailed a reset link (default true). */
  breached_password_sign_in: boolean;
};

export function signInMethods(json: Json) {
  const path = "/api/platform/sign-in-methods";
  return {
    /** The switches. */
    get: () => json<SignInMethods>(path),
    /**
     * Turns some of them on or off; answers all of them. Passwords off is refused (400) unless email codes or
     * passkeys stay on.
     */
    update: (changes: Partial<SignInMethods>) => json<SignInMethods>(path, "PATCH", changes),
  };
}
