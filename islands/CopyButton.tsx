import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type CopyButtonProps = { text: string; label: string };

/**
 * Copies a value (a secret, an id, a snippet) to the clipboard; the value itself is on the page as text. The
 * server renders the button hidden: without JavaScript it could do nothing, and the text can be selected
 * instead. Hydration shows it.
 */
export default function CopyButton({ text, label }: CopyButtonProps) {
  const state = useSignal<"idle" | "copied" | "failed">("idle");
  const hydrated = useSignal(false);
  useEffect(() => {
    hydrated.value = true;
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      state.value = "copied";
    } catch {
      state.value = "failed";
    }
  };
  return (
    <button
      type="button"
      class="button secondary copy"
      onClick={copy}
      aria-live="polite"
      hidden={!hydrated.value}
    >
      {state.value === "copied" ? "Copied" : state.value === "failed" ? "Select and copy" : label}
    </button>
  );
}
