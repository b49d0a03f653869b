import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
} from "@simplewebauthn/browser";

type PasskeyButtonProps = {
  /**
   * sign_in: any passkey of the project (with `autofill`, also offered in the email field's suggestions);
   * second_factor: the challenged person's own, posted to /auth/mfa instead of a code; register: the
   * signed-in person adds one; sign_up: the first passkey of a proven sign-up (`signUp` names the attempt).
   */
  purpose: "sign_in" | "register" | "second_factor" | "sign_up";
  /** Where the result is posted as a form (the server answers with a redirect or a page). */
  action: string;
  request: string;
  csrf: string;
  label: string;
  /** Said when the prompt closes without a result. */
  cancelled: string;
  /** Said when the server refuses the options for too many requests from here (429); else `cancelled`. */
  rateLimited?: string;
  /** Said when the options cannot be had (another refusal, a network failure) or the browser errs. */
  unavailable?: string;
  /** register, sign_up: said when the authenticator already holds one of the person's passkeys. */
  alreadyAdded?: string;
  /** sign_up: the attempt's token, sent with the options request and the result. */
  signUp?: string;
  /** Said instead of the button in a browser without WebAuthn (where there is no other way on); else hidden. */
  unsupported?: string;
  autofill?: boolean;
  /** second_factor: "Remember this browser for N days", where the project offers it (a box in the form). */
  remember?: string;
  /** The page's main action (adding one on /auth/passkeys): a primary button, else a secondary one. */
  primary?: boolean;
  /** register: the name field's label and first value. */
  nameLabel?: string;
  defaultName?: string;
};

/** The options request was refused for too many from this address: the person is told to wait. */
class RateLimited extends Error {}
/** The options could not be had (a refusal other than 429, a network failure, an answer that is not JSON). */
class Unavailable extends Error {}

/** What the person is told when a ceremony ends without a result: why, in their words (the props). */
function explain(error: unknown, props: PasskeyButtonProps): string {
  if (error instanceof RateLimited) return props.rateLimited ?? props.cancelled;
  const name = error instanceof Error ? error.name : "";
  // @simplewebauthn/browser keeps the DOMException's name: NotAllowedError is a closed prompt or a timeout.
  if (name === "NotAllowedError" || name === "AbortError") return props.cancelled;
  if (name === "InvalidStateError" && props.alreadyAdded) return props.alreadyAdded;
  return props.unavailable ?? props.cancelled;
}

/**
 * The browser half of a passkey ceremony (@simplewebauthn/browser): fetches options from
 * /auth/passkey/options, runs navigator.credentials, and posts the result in a plain form. The form is hidden
 * until hydrated in a browser with WebAuthn, so without either nothing dead shows and the rest works; it keeps its
 * place meanwhile (static/styles.css), so nothing below moves when it appears.
 */
export default function PasskeyButton(props: PasskeyButtonProps) {
  const ready = useSignal(false);
  const lacking = useSignal(false);
  const busy = useSignal(false);
  const problem = useSignal("");
  const form = useRef<HTMLFormElement>(null);
  const credential = useRef<HTMLInputElement>(null);

  const registering = props.purpose === "register" || props.purpose === "sign_up";

  async function run(autofill: boolean) {
    if (!autofill) busy.value = true;
    problem.value = "";
    try {
      const body = new URLSearchParams({ request: props.request, csrf: props.csrf, purpose: props.purpose });
      if (props.signUp) body.set("sign_up", props.signUp);
      let answer: Response;
      try {
        answer = await fetch("/auth/passkey/options", { method: "POST", body });
      } catch (failure) {
        throw new Unavailable(String(failure));
      }
      if (answer.status === 429) throw new RateLimited();
      if (!answer.ok) throw new Unavailable(`options: ${answer.status}`);
      const optionsJSON = await answer.json().catch(() => {
        throw new Unavailable("options: not JSON");
      });
      const result = registering
        ? await startRegistration({ optionsJSON })
        : await startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
      credential.current!.value = JSON.stringify(result);
      form.current!.submit();
    } catch (error) {
      // Options refused (too many, or otherwise): said even for the autofill request, which would otherwise
      // end unseen. Any other autofill ending is quiet: the button started another one, or nobody picked it.
      if (autofill && !(error instanceof RateLimited || error instanceof Unavailable)) return;
      console.info("passkey ceremony ended", error);
      problem.value = explain(error, props);
      busy.value = false;
    }
  }

  useEffect(() => {
    if (!browserSupportsWebAuthn()) {
      lacking.value = true;
      return;
    }
    ready.value = true;
    if (props.autofill) {
      browserSupportsWebAuthnAutofill().then((yes) => {
        if (yes) run(true);
      });
    }
  }, []);

  if (lacking.value && props.unsupported) return <p role="alert" class="error">{props.unsupported}</p>;
  return (
    <form
      ref={form}
      method="post"
      action={props.action}
      hidden={!ready.value}
      class={lacking.value ? "passkey-form absent" : "passkey-form"}
    >
      <input type="hidden" name="request" value={props.request} />
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="credential" ref={credential} value="" />
      {props.purpose === "second_factor" && (
        <>
          {/* /auth/mfa's form: the assertion stands in for the code. */}
          <input type="hidden" name="method" value="passkey" />
          <input type="hidden" name="code" value="" />
          {props.remember && (
            <p class="field checkbox">
              <label>
                <input type="checkbox" name="remember" value="on" /> {props.remember}
              </label>
            </p>
          )}
        </>
      )}
      {props.signUp && <input type="hidden" name="sign_up" value={props.signUp} />}
      {registering && (
        <>
          <input type="hidden" name="action" value={props.purpose === "sign_up" ? "passkey" : "add"} />
          <p class="field">
            <label for="passkey-name">{props.nameLabel}</label>
            <input
              id="passkey-name"
              name="name"
              type="text"
              maxlength={64}
              defaultValue={props.defaultName}
            />
          </p>
        </>
      )}
      <button
        type="button"
        class={props.primary ? undefined : "secondary"}
        disabled={busy.value}
        onClick={() => run(false)}
      >
        {props.label}
      </button>
      {problem.value && <p role="alert" class="error">{problem.value}</p>}
    </form>
  );
}
