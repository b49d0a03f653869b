/**
 * One switch on a settings form: a checkbox inside its label and, where it has one, a hint line the checkbox is
 * described by. The markup is what the settings forms wrote by hand (input, a space, the label's text), so the
 * CSS, the tests' patterns and the Playwright selectors that read those rows hold.
 */
import type { ComponentChildren } from "preact";

type Props = {
  name: string;
  /** What a ticked box sends; a form that leaves it out gets the browser's "on" and reads presence. */
  value?: string;
  label: ComponentChildren;
  checked: boolean;
  /** Set for viewers; a form that disables its whole fieldset leaves it unset. */
  disabled?: boolean;
  /** A line under the switch; `id` must be unique on the page, since the checkbox points at it. */
  hint?: { id: string; text: ComponentChildren };
  /** The label's class: "check" lays the box and its text out in a row (static/styles.css). */
  class?: string;
  /** data-* attributes a test or script finds the checkbox by. */
  data?: Record<`data-${string}`, string>;
};

/** A settings checkbox row: `<label><input type="checkbox" …/> label</label>`, then its hint if any. */
export function SettingSwitch(
  { name, value, label, checked, disabled, hint, class: labelClass, data }: Props,
) {
  return (
    <>
      <label class={labelClass}>
        <input
          type="checkbox"
          name={name}
          value={value}
          checked={checked}
          disabled={disabled}
          aria-describedby={hint?.id}
          {...data}
        />{" "}
        {label}
      </label>
      {hint && <p class="hint" id={hint.id}>{hint.text}</p>}
    </>
  );
}
