/**
 * A list row's one-button action (remove a passkey, unlink a method, remove a member, revoke a consent, disable
 * or enable a machine client, …): a small form with the CSRF field and the hidden fields naming the row, so every
 * row's action posts alike; by default a danger-styled link, so they look alike too.
 */
import type { ComponentChildren } from "preact";
import { CsrfField } from "./Frame.tsx";

/** The button's classes by look: what is lost is red; an act that loses nothing (Enable) is a plain link. */
const LOOKS = { "danger-link": "link danger", link: "link", "danger-button": "button danger" } as const;

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
  /** How the button looks (default: a danger link). */
  look?: keyof typeof LOOKS;
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
        class={LOOKS[props.look ?? "danger-link"]}
        disabled={props.disabled}
        aria-label={props.ariaLabel}
      >
        {props.children}
      </button>
    </form>
  );
}
