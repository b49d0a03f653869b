import type { ComponentChildren } from "preact";

type Props = {
  name: string;
  label: string;
  min: number;
  max: number;
  /** The stored setting: a number, or absent for the default. */
  value: unknown;
  fallback: number;
  disabled: boolean;
  children: ComponentChildren;
};

/** One whole-number project setting on the Settings page: empty means the default (shown as placeholder). */
export function WholeNumberField({ name, label, min, max, value, fallback, disabled, children }: Props) {
  return (
    <div class="field">
      <label for={name}>{label}</label>
      <input
        id={name}
        name={name}
        type="number"
        min={min}
        max={max}
        step={1}
        value={typeof value === "number" ? String(value) : ""}
        placeholder={String(fallback)}
        disabled={disabled}
      />
      <p class="hint">{children}</p>
    </div>
  );
}
