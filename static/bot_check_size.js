/*
 * The size of the bot check's widget before its provider's script draws it (components/login/BotCheck.tsx puts
 * this script, not async, between the widget and the provider's script): "compact" where the form is narrower
 * than the provider's "normal" widget (a phone's screen), else "normal". static/styles.css keeps the place of
 * the size asked for, so nothing below the widget moves when it appears.
 */
{
  const script = document.currentScript;
  const widget = script.previousElementSibling;
  const normalWidth = Number(script.dataset.normalWidth);
  widget.dataset.size = widget.clientWidth < normalWidth ? "compact" : "normal";
}
