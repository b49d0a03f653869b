import { useSignal } from "@preact/signals";

type CopyButtonProps = { text: string; label: string };

/** Copies a value (a secret, an id, a snippet) to the clipboard; the value itself is on the page as text. */
export default function CopyButton({ text, label }: CopyButtonProps) {
  const state = useSignal<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      state.value = "copied";
    } catch {
      state.value = "failed";
    }
  };
  return (
    <button type="button" class="button secondary copy" onClick={copy} aria-live="polite">
      {state.value === "copied" ? "Copied" : state.value === "failed" ? "Select and copy" : label}
    </button>
  );
}
