import { useSignal } from "@preact/signals";

type CopyButtonProps = { text: string; label: string };

/** Copies `text` (a virtual account number) to the clipboard. */
export default function CopyButton({ text, label }: CopyButtonProps) {
  const copied = useSignal(false);
  return (
    <button
      type="button"
      class="button secondary copy"
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => {});
        copied.value = true;
      }}
    >
      {copied.value ? "Copied" : label}
    </button>
  );
}
