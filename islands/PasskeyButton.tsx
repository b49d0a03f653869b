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
   * second_factor: the challenged person's own, posted to /auth/mfa instead of a code.
   */
  purpose: "sign_in" | "register" | "second_factor";
  /** Where the result is posted as a form (the server answers with a redirect or a page). */
  action: string;
  request: string;
  csrf: string;
  label: string;
  /** Said when the prompt closes without a result. */
  cancelled: string;
  autofill?: boolean;
  /** register: the name field's label and first value. */
  nameLabel?: string;
  defaultName?: string;
};

/**
 * The browser half of a passkey ceremony (@simplewebauthn/browser): fetches options from
 * /auth/passkey/options, runs navigator.credentials, and posts the result in a plain form. The form is hidden
 * until hydrated in a browser with WebAuthn, so without either nothing dead shows and the rest works.
 */
export default function PasskeyButton(props: PasskeyButtonProps) {
  const ready = useSignal(false);
  const busy = useSignal(false);
  const problem = useSignal("");
  const form = useRef<HTMLFormElement>(null);
  const credential = useRef<HTMLInputElement>(null);

  async function run(autofill: boolean) {
    if (!autofill) busy.value = true;
    problem.value = "";
    try {
      const body = new URLSearchParams({ request: props.request, csrf: props.csrf, purpose: props.purpose });
      const answer = await fetch("/auth/passkey/options", { method: "POST", body });
      if (!answer.ok) throw new Error(`options: ${answer.status}`);
      const optionsJSON = await answer.json();
      const result = props.purpose === "register"
        ? await startRegistration({ optionsJSON })
        : await startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
      credential.current!.value = JSON.stringify(result);
      form.current!.submit();
    } catch (error) {
      // An autofill request ends quietly when the button starts another one (or the person never picks it).
      if (autofill) return;
      console.info("passkey ceremony ended", error);
      problem.value = props.cancelled;
      busy.value = false;
    }
  }

  useEffect(() => {
    if (!browserSupportsWebAuthn()) return;
    ready.value = true;
    if (props.autofill) {
      browserSupportsWebAuthnAutofill().then((yes) => {
        if (yes) run(true);
      });
    }
  }, []);

  return (
    <form ref={form} method="post" action={props.action} hidden={!ready.value} class="passkey-form">
      <input type="hidden" name="request" value={props.request} />
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="credential" ref={credential} value="" />
      {props.purpose === "second_factor" && (
        <>
          {/* /auth/mfa's form: the assertion stands in for the code. */}
          <input type="hidden" name="method" value="passkey" />
          <input type="hidden" name="code" value="" />
        </>
      )}
      {props.purpose === "register" && (
        <>
          <input type="hidden" name="action" value="add" />
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
      <button type="button" class="secondary" disabled={busy.value} onClick={() => run(false)}>
        {props.label}
      </button>
      {problem.value && <p role="alert" class="error">{problem.value}</p>}
    </form>
  );
}
