import type { AuthPageData } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";

/**
 * The sign-up form's "I agree to the Terms of Service and Privacy Policy" box (settings.sign_up.
 * require_legal_consent): only the documents the branding names, each in a new tab. Required in the browser;
 * the server checks it too (routes/auth/signup.tsx), and Postgres makes no account without it.
 */
export function LegalConsent({ data }: { data: AuthPageData }) {
  const asked = data.legalConsent;
  if (!asked) return null;
  const t = MESSAGES[data.lang];
  const missing = data.error === "legalConsentMissing";
  const links = [
    asked.termsUrl && (
      <a key="terms" href={asked.termsUrl} target="_blank" rel="noopener noreferrer">{t.legalTerms}</a>
    ),
    asked.privacyUrl && (
      <a key="privacy" href={asked.privacyUrl} target="_blank" rel="noopener noreferrer">{t.legalPrivacy}</a>
    ),
  ].filter(Boolean);
  return (
    <p class="field legal-consent">
      <input
        id="legal_consent"
        name="legal_consent"
        type="checkbox"
        value="on"
        required
        checked={data.legalConsentTicked}
        aria-invalid={missing ? "true" : undefined}
        aria-describedby={missing ? "form-error" : undefined}
        autofocus={missing || undefined}
      />{" "}
      <label for="legal_consent">
        {t.legalAgree} {links[0]}
        {links.length > 1 && <>{" "}{t.legalAnd} {links[1]}</>}
      </label>
    </p>
  );
}
