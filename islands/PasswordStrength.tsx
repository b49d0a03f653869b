import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type PasswordStrengthProps = {
  inputId: string; /** Shown for no input, short, good, strong. */
  labels: string[];
};

/**
 * A length-based strength hint under a password field (NIST: length, not composition rules). The form works
 * without it; with JavaScript it follows what is typed.
 */
export default function PasswordStrength({ inputId, labels }: PasswordStrengthProps) {
  const length = useSignal(0);
  useEffect(() => {
    const input = document.getElementById(inputId) as HTMLInputElement | null;
    const update = () => length.value = input?.value.length ?? 0;
    input?.addEventListener("input", update);
    return () => input?.removeEventListener("input", update);
  }, [inputId]);
  const level = length.value === 0 ? 0 : length.value < 8 ? 1 : length.value < 12 ? 2 : 3;
  return (
    <p class={`strength strength-${level}`} aria-live="polite">
      <meter min={0} max={3} value={level} aria-hidden="true" />
      <span>{labels[level]}</span>
    </p>
  );
}
