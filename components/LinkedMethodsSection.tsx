/**
 * The portal's linked e-wallets (automatic renewal): each active or waiting method with Unlink, and one form
 * per channel the project allows to link one (OVO asks for the account's number). Plain forms to
 * /billing/account/methods, so it works without JavaScript.
 */
import type { LinkChannel, LinkedMethod } from "@/db/linked_methods.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { CHANNEL_NAMES, LINKED_METHOD_TEXT } from "@/lib/payments/linked_method_text.ts";

type Props = {
  lang: Lang;
  clientId: string;
  csrf: string;
  methods: LinkedMethod[];
  channels: LinkChannel[];
};

function Hidden(props: Props & { action: string }) {
  return (
    <>
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="client_id" value={props.clientId} />
      <input type="hidden" name="lang" value={props.lang} />
      <input type="hidden" name="action" value={props.action} />
    </>
  );
}

export function LinkedMethodsSection(props: Props) {
  // Off until the project enables linking (settings.linked_methods.enabled), unless something is linked.
  if (props.channels.length === 0 && props.methods.length === 0) return null;
  const text = LINKED_METHOD_TEXT[props.lang];
  const linked = new Set(props.methods.filter((m) => m.status === "active").map((m) => m.channel));
  return (
    <section aria-labelledby="portal-methods">
      <h2 id="portal-methods">{text.title}</h2>
      <p class="hint">{text.intro}</p>
      {props.methods.length === 0 ? <p>{text.none}</p> : (
        <ul>
          {props.methods.map((m) => (
            <li key={m.method_id} data-linked-method={m.channel} data-status={m.status}>
              {m.label} — {m.status === "active" ? text.active : text.waiting}{" "}
              <form method="post" action="/billing/account/methods" class="inline">
                <Hidden {...props} action="unlink" />
                <input type="hidden" name="method_id" value={m.method_id} />
                <button type="submit" class="button secondary">{text.unlink}</button>
              </form>
            </li>
          ))}
        </ul>
      )}
      {props.channels.filter((channel) => !linked.has(channel)).map((channel) => (
        <form key={channel} method="post" action="/billing/account/methods" data-link-channel={channel}>
          <Hidden {...props} action="link" />
          <input type="hidden" name="channel" value={channel} />
          {channel === "OVO" && (
            <label>
              {text.mobile}
              <input type="tel" name="mobile_number" required autocomplete="tel" inputMode="tel" />
              <span class="hint">{text.mobileHint}</span>
            </label>
          )}
          <button type="submit" class="button">{text.link(CHANNEL_NAMES[channel] ?? channel)}</button>
        </form>
      ))}
    </section>
  );
}
