/**
 * The bot check on a protected hosted-login form (lib/login/bot_check.ts): the provider's widget, which puts its
 * token in a hidden field of the form (cf-turnstile-response / h-captcha-response), and its script. Without
 * JavaScript there is no token: the form says so rather than failing unexplained.
 *
 * The provider draws its widget when its script has loaded; static/bot_check_size.js runs before that (it sits
 * between the widget and the provider's script, and is not async) and asks for the size the form has room for,
 * whose place the stylesheet keeps from then on, so the button and links below do not move when the widget
 * appears. Without JavaScript no size is asked for and no place kept.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { type BotWidget, PROVIDER_PAGE } from "@/lib/login/bot_check.ts";

/**
 * Nothing unless the form asks for a bot check: the page's form (`data.botCheck`) or the one `widget` names.
 * `script: false` when another widget of the page loads the provider's script already.
 */
export function BotCheck(
  { data, widget = data.botCheck, script = true }: {
    data: AuthPageData;
    widget?: BotWidget;
    script?: boolean;
  },
) {
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
      <script src="/static/bot_check_size.js" data-normal-width={page.sizes.normal.width} />
      {script && <script src={turnstile ? page.script : `${page.script}?hl=${data.lang}`} async defer />}
      <noscript>
        <p role="alert" class="error">{MESSAGES[data.lang].botCheckNoScript}</p>
      </noscript>
    </div>
  );
}
