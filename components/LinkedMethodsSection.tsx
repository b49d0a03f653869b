/**
 * The portal's linked methods (automatic renewal): each active or waiting method with Unlink — one being unlinked
 * says since when, and Unlink tries again (docs/payments.md "Unlinking a method") — (a waiting BRI
 * direct debit also asks for the code the bank sent), and one form per channel the project allows: OVO asks for
 * the account's number, BRI for the debit card's last digits, expiry, phone and email. Plain forms to
 * /billing/account/methods, so they work without JavaScript — except a card, which Xendit.js tokenises in the
 * browser (islands/CardLinkForm.tsx): without JavaScript it says so, and the other methods still work.
 */
import type { LinkChannel, LinkedMethod } from "@/db/linked_methods.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { Island } from "@/lib/islands/Island.tsx";
import CardLinkForm from "@/islands/CardLinkForm.tsx";
import {
  CHANNEL_NAMES,
  CHANNEL_NAMES_ID,
  LINKED_METHOD_TEXT,
  type LinkedMethodText,
  unlinkTime,
} from "@/lib/payments/linked_method_text.ts";

type Props = {
  lang: Lang;
  clientId: string;
  csrf: string;
  methods: LinkedMethod[];
  channels: LinkChannel[];
  /** How cards are tokenised in the browser (Xendit.js); null when the account has no publishable key. */
  card: CardSetup | null;
};

export type CardSetup = { scriptUrl: string; publicKey: string; successUrl: string; failureUrl: string };

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

function Field(
  props: {
    label: string;
    name: string;
    hint?: string;
    type?: "text" | "tel" | "email";
    autocomplete?: string;
    pattern?: string;
  },
) {
  return (
    <label>
      {props.label}
      {props.type === "email"
        ? <input type="email" name={props.name} required autocomplete={props.autocomplete} />
        : props.type === "tel"
        ? <input type="tel" name={props.name} required autocomplete={props.autocomplete} inputMode="tel" />
        : (
          <input
            type="text"
            name={props.name}
            required
            autocomplete={props.autocomplete ?? "off"}
            pattern={props.pattern}
            inputMode={props.pattern ? "numeric" : undefined}
          />
        )}
      {props.hint && <span class="hint">{props.hint}</span>}
    </label>
  );
}

/** The fields a channel's link form asks for. */
function ChannelFields({ channel, text }: { channel: LinkChannel; text: LinkedMethodText }) {
  if (channel === "OVO") {
    return (
      <Field label={text.mobile} name="mobile_number" type="tel" autocomplete="tel" hint={text.mobileHint} />
    );
  }
  if (channel === "BRI") {
    return (
      <>
        <Field label={text.debitLastFour} name="card_last_four" pattern="[0-9]{4}" />
        <Field label={text.debitExpiry} name="card_expiry" pattern="(0[1-9]|1[0-2])/[0-9]{2}" />
        <Field label={text.bankMobile} name="mobile_number" type="tel" autocomplete="tel" />
        <Field label={text.email} name="email" type="email" autocomplete="email" />
      </>
    );
  }
  return null;
}

export function LinkedMethodsSection(props: Props) {
  // Off until the project enables linking (settings.linked_methods.enabled), unless something is linked.
  if (props.channels.length === 0 && props.methods.length === 0) return null;
  const text = LINKED_METHOD_TEXT[props.lang];
  const name = (channel: string) =>
    (props.lang === "id" ? CHANNEL_NAMES_ID[channel] : undefined) ?? CHANNEL_NAMES[channel] ?? channel;
  const linked = new Set(props.methods.filter((m) => m.status === "active").map((m) => m.channel));
  return (
    <section aria-labelledby="portal-methods">
      <h2 id="portal-methods">{text.title}</h2>
      <p class="hint">{text.intro}</p>
      {props.methods.length === 0 ? <p>{text.none}</p> : (
        <ul>
          {props.methods.map((m) => (
            <li
              key={m.method_id}
              data-linked-method={m.channel}
              data-status={m.status}
              data-unlinking={m.unlink_requested_at ? "" : undefined}
            >
              {m.label} — {m.unlink_requested_at
                ? text.unlinking(unlinkTime(m.unlink_requested_at, props.lang))
                : m.status === "active"
                ? text.active
                : text.waiting}{" "}
              <form method="post" action="/billing/account/methods" class="inline">
                <Hidden {...props} action="unlink" />
                <input type="hidden" name="method_id" value={m.method_id} />
                <button type="submit" class="button secondary">{text.unlink}</button>
              </form>
              {m.channel === "BRI" && m.status === "requires_action" && m.provider_id && (
                <form method="post" action="/billing/account/methods" data-otp-for={m.method_id}>
                  <Hidden {...props} action="otp" />
                  <input type="hidden" name="method_id" value={m.method_id} />
                  <Field label={text.otp} name="otp" pattern="[0-9]{6}" autocomplete="one-time-code" />
                  <button type="submit" class="button">{text.confirm}</button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {props.channels.filter((channel) => !linked.has(channel)).map((channel) =>
        channel === "CARD"
          ? (
            props.card && (
              <div key={channel} data-link-channel={channel}>
                <Island
                  of={CardLinkForm}
                  props={{
                    ...props.card,
                    csrf: props.csrf,
                    clientId: props.clientId,
                    lang: props.lang,
                    text: { ...cardText(text), submit: text.link(name(channel)) },
                  }}
                />
              </div>
            )
          )
          : (
            <form key={channel} method="post" action="/billing/account/methods" data-link-channel={channel}>
              <Hidden {...props} action="link" />
              <input type="hidden" name="channel" value={channel} />
              <ChannelFields channel={channel} text={text} />
              <button type="submit" class="button">{text.link(name(channel))}</button>
            </form>
          )
      )}
    </section>
  );
}

/** The card form's words, from the section's. */
function cardText(text: LinkedMethodText) {
  const { cardNumber, cardExpiryMonth, cardExpiryYear, cvv, cardHolder, cardHint, cardNeedsJs, cardRefused } =
    text;
  return {
    cardNumber,
    cardExpiryMonth,
    cardExpiryYear,
    cvv,
    cardHolder,
    cardHint,
    cardNeedsJs,
    cardRefused,
    cardSending: text.cardSending,
  };
}
