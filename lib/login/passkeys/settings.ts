/** Whether a project offers passkeys on its hosted login (`settings.passkeys`, off unless turned on). */
type Project = { settings: Record<string, unknown> };

export function passkeysEnabled(project: Project): boolean {
  return project.settings.passkeys === true;
}

/**
 * Whether new people sign up with a mailed code and then a passkey (/auth/signup/passkey): passwords off,
 * passkeys on, and no email code that creates accounts (that path signs them up instead).
 */
export function passkeySignUp(project: Project): boolean {
  const s = project.settings;
  return passkeysEnabled(project) && s.passwords === false &&
    !(s.email_codes === true && s.email_code_sign_up === true);
}

/**
 * Whether a password sign-in goes on through /auth/passkeys/upgrade, where the browser's password manager may
 * make a passkey silently (WebAuthn conditional create): passkeys on and `settings.passkey_upgrade` true.
 */
export function passkeyUpgrade(project: Project): boolean {
  return passkeysEnabled(project) && project.settings.passkey_upgrade === true;
}
