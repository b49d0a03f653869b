import { type Lang, MESSAGES } from "@/lib/login/i18n.ts";
import type { ProviderId } from "@/lib/login/social/providers.ts";

type SocialButtonsProps = {
  lang: Lang;
  providers: ProviderId[];
  /** The authorization request as a query string, carried to the provider's start route. */
  request: string;
  /**
   * The id of the sign-up form whose "I agree" box a new account needs (settings.sign_up.require_legal_consent):
   * the buttons then post that form to the start route, which checks the box.
   */
  postWith?: string;
};

/**
 * The Apple logo for "Continue with Apple", drawn inline (no request, no script). Apple's Human Interface
 * Guidelines ask for its logo beside the words, black on white or white on black, the same size as the others.
 */
function AppleLogo() {
  return (
    <svg class="social-logo" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12.152 6.896c-.948 0-2.415-1.078-3.96-1.04-2.04.027-3.91 1.183-4.961 3.014-2.117 3.675-.546 9.103 1.519 12.09 1.013 1.454 2.208 3.09 3.792 3.039 1.52-.065 2.09-.987 3.935-.987 1.831 0 2.35.987 3.96.948 1.637-.026 2.676-1.48 3.676-2.948 1.156-1.688 1.636-3.325 1.662-3.415-.039-.013-3.182-1.221-3.22-4.857-.026-3.04 2.48-4.494 2.597-4.559-1.429-2.09-3.623-2.324-4.39-2.376-2-.156-3.675 1.09-4.61 1.09zM15.53 3.83c.843-1.012 1.4-2.427 1.245-3.83-1.207.052-2.662.805-3.532 1.818-.78.896-1.454 2.338-1.273 3.714 1.338.104 2.715-.688 3.559-1.701"
      />
    </svg>
  );
}

/**
 * Microsoft's logo for "Continue with Microsoft": the four squares (red, green, blue, yellow) in their fixed
 * colours and order, drawn inline. Microsoft's sign-in branding guidance puts it left of the words on a plain
 * light button with a grey border, never recoloured.
 */
function MicrosoftLogo() {
  return (
    <svg class="social-logo" viewBox="0 0 21 21" width="18" height="18" aria-hidden="true" focusable="false">
      <rect x="0" y="0" width="10" height="10" fill="#f25022" />
      <rect x="11" y="0" width="10" height="10" fill="#7fba00" />
      <rect x="0" y="11" width="10" height="10" fill="#00a4ef" />
      <rect x="11" y="11" width="10" height="10" fill="#ffb900" />
    </svg>
  );
}

/** The logo drawn beside a provider's words (Apple's and Microsoft's guidelines ask for one). */
function ProviderLogo({ provider }: { provider: ProviderId }) {
  if (provider === "apple") return <AppleLogo />;
  if (provider === "microsoft") return <MicrosoftLogo />;
  return null;
}

/**
 * "Continue with Google / Apple / GitHub / Microsoft": plain links (no script needed) that start the provider's
 * flow; on a sign-up form that asks for consent, buttons posting that form (its box goes with them).
 */
export function SocialButtons({ lang, providers, request, postWith }: SocialButtonsProps) {
  if (providers.length === 0) return null;
  const t = MESSAGES[lang];
  const label = {
    google: t.continueWithGoogle,
    apple: t.continueWithApple,
    github: t.continueWithGithub,
    microsoft: t.continueWithMicrosoft,
  };
  return (
    <>
      <ul class="social-buttons">
        {providers.map((provider) => (
          <li key={provider}>
            {postWith
              ? (
                <button
                  type="submit"
                  form={postWith}
                  formAction={`/auth/social/${provider}?lang=${lang}`}
                  class={`button social social-${provider}`}
                >
                  <ProviderLogo provider={provider} />
                  {label[provider]}
                </button>
              )
              : (
                <a
                  class={`button social social-${provider}`}
                  href={`/auth/social/${provider}?${request}${request ? "&" : ""}lang=${lang}`}
                >
                  <ProviderLogo provider={provider} />
                  {label[provider]}
                </a>
              )}
          </li>
        ))}
      </ul>
      <p class="divider muted">{t.orUseEmail}</p>
    </>
  );
}
