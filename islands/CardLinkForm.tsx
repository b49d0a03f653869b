import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type Text = {
  cardNumber: string;
  cardExpiryMonth: string;
  cardExpiryYear: string;
  cvv: string;
  cardHolder: string;
  cardHint: string;
  cardNeedsJs: string;
  cardRefused: string;
  cardSending: string;
  submit: string;
};

export type CardLinkFormProps = {
  /** Xendit.js: Xendit's CDN in live, the simulator's copy in the sandbox and tests. */
  scriptUrl: string;
  /** The account's publishable key: it can only tokenise, never charge. */
  publicKey: string;
  csrf: string;
  clientId: string;
  lang: string;
  /** Where 3-D Secure returns the customer (the portal, with its notice). */
  successUrl: string;
  failureUrl: string;
  text: Text;
};

type XenditJs = {
  setPublishableKey(key: string): void;
  payment: {
    createPaymentMethod(
      data: unknown,
      callback: (error: { message?: string } | null, method?: { id?: string }) => void,
    ): void;
  };
};

let loading: Promise<XenditJs> | null = null;

/** Loads Xendit.js once (a plain script element: what Xendit documents, allowed by the page's CSP). */
function loadXendit(src: string): Promise<XenditJs> {
  loading ??= new Promise<XenditJs>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve((globalThis as unknown as { Xendit: XenditJs }).Xendit);
    script.onerror = () => {
      loading = null;
      reject(new Error("Xendit.js could not be loaded"));
    };
    document.head.append(script);
  });
  return loading;
}

/**
 * The portal's "Link a card" form. The card fields have no `name`: they never go to Astapa. On submit,
 * Xendit.js turns them into a reusable CARD payment method (cardonfile RECURRING) at Xendit with the
 * publishable key, and only its `pm-…` id is posted to /billing/account/methods, which sends the customer on
 * to 3-D Secure. Rendered on the server as a notice that a card needs JavaScript; the fields appear once
 * hydrated, so without JavaScript nothing pretends to work.
 */
export default function CardLinkForm(props: CardLinkFormProps) {
  const ready = useSignal(false);
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const methodId = useSignal("");
  useEffect(() => {
    ready.value = true;
  }, []);
  const { text } = props;
  if (!ready.value) return <p class="hint" data-card-needs-js>{text.cardNeedsJs}</p>;

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = (id: string) =>
      (form.querySelector(`#${id}`) as HTMLInputElement).value.replace(/[\s-]/g, "");
    busy.value = true;
    error.value = null;
    try {
      const xendit = await loadXendit(props.scriptUrl);
      xendit.setPublishableKey(props.publicKey);
      const holder = (form.querySelector("#card-holder") as HTMLInputElement).value.trim();
      const made = await new Promise<{ id?: string }>((resolve, reject) =>
        xendit.payment.createPaymentMethod({
          type: "CARD",
          reusability: "MULTIPLE_USE",
          country: "ID",
          card: {
            currency: "IDR",
            channel_properties: {
              success_return_url: props.successUrl,
              failure_return_url: props.failureUrl,
              cardonfile_type: "RECURRING",
            },
            card_information: {
              card_number: value("card-number"),
              expiry_month: value("card-expiry-month"),
              expiry_year: value("card-expiry-year"),
              cvv: value("card-cvv"),
              ...(holder ? { cardholder_name: holder } : {}),
            },
          },
        }, (failure, method) => failure ? reject(failure) : resolve(method ?? {}))
      );
      if (!made.id) throw new Error("no payment method id");
      methodId.value = made.id;
      const hidden = form.querySelector("input[name=payment_method_id]") as HTMLInputElement;
      hidden.value = made.id;
      form.submit();
    } catch (failure) {
      busy.value = false;
      error.value = `${text.cardRefused} ${(failure as { message?: string }).message ?? ""}`.trim();
    }
  };

  const field = (id: string, label: string, autocomplete: string, pattern: string, required = true) => (
    <label>
      {label}
      <input
        id={id}
        type="text"
        inputMode={pattern ? "numeric" : undefined}
        autocomplete={autocomplete}
        pattern={pattern || undefined}
        required={required}
      />
    </label>
  );
  return (
    <form method="post" action="/billing/account/methods" onSubmit={submit} data-card-form>
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="client_id" value={props.clientId} />
      <input type="hidden" name="lang" value={props.lang} />
      <input type="hidden" name="action" value="link" />
      <input type="hidden" name="channel" value="CARD" />
      <input type="hidden" name="payment_method_id" value={methodId.value} />
      {field("card-number", text.cardNumber, "cc-number", "[0-9 ]{12,23}")}
      {field("card-expiry-month", text.cardExpiryMonth, "cc-exp-month", "[0-9]{2}")}
      {field("card-expiry-year", text.cardExpiryYear, "cc-exp-year", "[0-9]{4}")}
      {field("card-cvv", text.cvv, "cc-csc", "[0-9]{3,4}")}
      {field("card-holder", text.cardHolder, "cc-name", "", false)}
      <span class="hint">{text.cardHint}</span>
      {error.value && <p role="alert" class="error">{error.value}</p>}
      <button type="submit" class="button" disabled={busy.value}>
        {busy.value ? text.cardSending : text.submit}
      </button>
    </form>
  );
}
