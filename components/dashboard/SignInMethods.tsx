/**
 * The Settings page's ways to sign in (docs/passkeys.md): passwords, passkeys and emailed codes, each on or off,
 * and the breached-password lookups (docs/hosted-login.md).
 * Postgres refuses passwords off while neither of the others is on; the page then says so.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";

const METHODS = [
  { name: "passwords", label: "Passwords", on: (s: Record<string, unknown>) => s.passwords !== false },
  {
    name: "passkeys",
    label: "Passkeys: fingerprint, face or screen lock, offered on sign-in and after sign-up",
    on: (s: Record<string, unknown>) => s.passkeys === true,
  },
  {
    name: "email_codes",
    label: "Email me a code: a 6-digit code and a link by email",
    on: (s: Record<string, unknown>) => s.email_codes === true,
  },
  {
    name: "email_code_sign_up",
    label:
      "Email codes create accounts: an address without one gets a code too, and using it signs the person up",
    on: (s: Record<string, unknown>) => s.email_code_sign_up === true,
  },
] as const;

/** Pwned Passwords lookups (docs/hosted-login.md), on unless set to false. */
const BREACH_CHECKS = [
  {
    name: "breached_passwords",
    label: "Refuse a new password that has appeared in a data breach (sign-up, reset, account page)",
  },
  {
    name: "breached_password_sign_in",
    label:
      "At sign-in, a right password that has appeared in a breach lets nobody in; its owner is mailed a " +
      "reset link",
  },
] as const;

export function SignInMethods(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const settings = data.project.settings;
  return (
    <section class="card" aria-labelledby="sign-in-methods-heading">
      <h2 id="sign-in-methods-heading">Ways to sign in</h2>
      <form method="post" action={`${base}/settings/sign-in-methods`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>Offered on the hosted sign-in page</legend>
          {METHODS.map((method) => (
            <label key={method.name}>
              <input
                type="checkbox"
                name={method.name}
                value="on"
                checked={method.on(settings)}
                disabled={!canEdit}
              />{" "}
              {method.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Passwords seen in data breaches (Have I Been Pwned)</legend>
          {BREACH_CHECKS.map((check) => (
            <label key={check.name}>
              <input
                type="checkbox"
                name={check.name}
                value="on"
                checked={settings[check.name] !== false}
                disabled={!canEdit}
              />{" "}
              {check.label}
            </label>
          ))}
        </fieldset>
        <p class="hint">
          Without passwords, sign-up asks for an email address only and people sign in with a code or a
          passkey; keep email codes or passkeys on. Unless email codes create accounts, a new person proves
          their address with a mailed code and then adds a passkey.
        </p>
        {canEdit && <button type="submit" class="button">Save ways to sign in</button>}
      </form>
    </section>
  );
}
