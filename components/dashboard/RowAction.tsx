/**
 * A list row's one-button action (remove a passkey, unlink a method, remove a member, …): a small form with the
 * CSRF field and the hidden fields naming the row, submitted by a danger-styled link, so every row's action
 * looks and posts alike.
 */
import type { ComponentChildren } from "preact";
import { CsrfField } from "./Frame.tsx";

/** An inline form posting `fields` (in order; an undefined value is left out) with a danger link button. */
export function RowAction(props: {
  action: string;
  csrf: string;
  fields: Record<string, string | undefined>;
  /** The button's own name and value, for a handler that tells its actions apart by the button pressed. */
  pressed?: { name: string; value: string };
  /** A name for the button when its text alone does not say which row it acts on. */
  ariaLabel?: string;
  disabled?: boolean;
  children: ComponentChildren;
}) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrf} />
      {Object.entries(props.fields).map(([name, value]) =>
        value !== undefined && <input key={name} type="hidden" name={name} value={value} />
      )}
      <button
        type="submit"
        name={props.pressed?.name}
        value={props.pressed?.value}
        class="link danger"
        disabled={props.disabled}
        aria-label={props.ariaLabel}
      >
        {props.children}
      </button>
    </form>
  );
}
