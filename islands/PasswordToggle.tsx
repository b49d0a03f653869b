import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type PasswordToggleProps = { inputId: string; show: string; hide: string };

/**
 * "Show password" for the field `inputId`. Rendered hidden on the server and revealed once hydrated, so
 * without JavaScript the field is a plain password field and no dead button shows.
 */
export default function PasswordToggle({ inputId, show, hide }: PasswordToggleProps) {
  const ready = useSignal(false);
  const shown = useSignal(false);
  useEffect(() => {
    ready.value = true;
  }, []);
  const toggle = () => {
    const input = document.getElementById(inputId) as HTMLInputElement | null;
    if (!input) return;
    shown.value = !shown.value;
    input.type = shown.value ? "text" : "password";
  };
  return (
    <button
      type="button"
      class="link-button password-toggle"
      hidden={!ready.value}
      aria-controls={inputId}
      aria-pressed={shown.value ? "true" : "false"}
      onClick={toggle}
    >
      {shown.value ? hide : show}
    </button>
  );
}
