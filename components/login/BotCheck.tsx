/**
 * The bot check on a protected hosted-login form (lib/login/bot_check.ts): the provider's widget, which puts its
 * token in a hidden field of the form (cf-turnstile-response / h-captcha-response), and its script. Without
 * JavaScript there is no token: the form says so rather than failing unexplained.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { PROVIDER_PAGE } from "@/lib/login/bot_check.ts";

/** Nothing unless the page's form asks for a bot check. */
export function BotCheck({ data }: { data: AuthPageData }) {
  const widget = data.botCheck;
  if (!widget) return null;
  const page = PROVIDER_PAGE[widget.provider];
  const turnstile = widget.provider === "turnstile";
  return (
    <div class="field bot-check">
      <div
        class={page.widget}
        data-sitekey={widget.siteKey}
        data-action={turnstile ? widget.form : undefined}
        data-language={turnstile ? data.lang : undefined}
      />
      <script src={turnstile ? page.script : `${page.script}?hl=${data.lang}`} async defer />
      <noscript>
        <p role="alert" class="error">{MESSAGES[data.lang].botCheckNoScript}</p>
      </noscript>
    </div>
  );
}
