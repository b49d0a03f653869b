/**
 * Sign-in by emailed code: the 6-digit code (uniform, from the CSPRNG), the magic link's token and URL, and
 * whether a project offers it (`settings.email_codes`, off unless turned on).
 */
import { randomSecret } from "@/lib/secrets.ts";

type Project = { id: string; settings: Record<string, unknown> };

export function emailCodesEnabled(project: Project): boolean {
  return project.settings.email_codes === true;
}

/** Whether a code mailed to an address without an account creates it (`settings.email_code_sign_up`). */
export function emailCodeSignUp(project: Project): boolean {
  return emailCodesEnabled(project) && project.settings.email_code_sign_up === true;
}

/** Six digits, each of the million equally likely (rejection sampling: no modulo bias). */
export function newEmailCode(): string {
  const word = new Uint32Array(1);
  do crypto.getRandomValues(word); while (word[0] >= 4_294_000_000);
  return String(word[0] % 1_000_000).padStart(6, "0");
}

/** The digits someone typed (spaces and dashes ignored), or null when they cannot be a code. */
export function typedCode(text: string): string | null {
  const digits = text.replace(/[\s-]/g, "");
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** A new magic link for the project: its token (hash it for Postgres) and the URL to mail. */
export function newMagicLink(baseUrl: string, project: Project): { token: string; url: string } {
  const token = randomSecret();
  return { token, url: `${baseUrl}/auth/email-code/link?p=${project.id}&t=${token}` };
}
