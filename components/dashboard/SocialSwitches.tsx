import { CsrfField } from "./Frame.tsx";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_PROVIDERS_TEXT } from "@/lib/dashboard/text/settings_providers.ts";

/** "Turn X off" and "Use deployment default" for one social provider. */
export function OffOrDefault(
  { provider, name, base, csrf, lang }: {
    provider: string;
    name: string;
    base: string;
    csrf: string;
    lang: Lang;
  },
) {
  const text = SETTINGS_PROVIDERS_TEXT[lang];
  return (
    <form method="post" action={`${base}/settings/social`} class="form inline-form">
      <CsrfField token={csrf} />
      <input type="hidden" name="provider" value={provider} />
      <button type="submit" name="action" value="off" class="button secondary">
        {fill(text.turnOff, { name })}
      </button>
      <button type="submit" name="action" value="default" class="button secondary">
        {text.useDefault}
      </button>
    </form>
  );
}
