import { type Lang, MESSAGES } from "@/lib/login/i18n.ts";
import type { ProviderId } from "@/lib/login/social/providers.ts";

type SocialButtonsProps = {
  lang: Lang;
  providers: ProviderId[];
  /** The authorization request as a query string, carried to the provider's start route. */
  request: string;
};

/** "Continue with Google / GitHub": plain links (no script needed) that start the provider's flow. */
export function SocialButtons({ lang, providers, request }: SocialButtonsProps) {
  if (providers.length === 0) return null;
  const t = MESSAGES[lang];
  const label = { google: t.continueWithGoogle, github: t.continueWithGithub };
  return (
    <>
      <ul class="social-buttons">
        {providers.map((provider) => (
          <li key={provider}>
            <a
              class={`button social social-${provider}`}
              href={`/auth/social/${provider}?${request}${request ? "&" : ""}lang=${lang}`}
            >
              {label[provider]}
            </a>
          </li>
        ))}
      </ul>
      <p class="divider muted">{t.orUseEmail}</p>
    </>
  );
}
