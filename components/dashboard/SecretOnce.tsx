import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";

type SecretOnceProps = {
  heading: string;
  /** Name/value pairs in order; the last is usually the secret. */
  values: { name: string; value: string }[];
  warning: string;
};

/** A just-issued secret (with whatever identifies it), each with a copy button. Shown this once only. */
export function SecretOnce({ heading, values, warning }: SecretOnceProps) {
  return (
    <section class="card secret" aria-labelledby="secret-once-heading">
      <h2 id="secret-once-heading">{heading}</h2>
      <p class="alert">{warning}</p>
      <dl class="credentials">
        {values.map(({ name, value }) => [
          <dt key={`${name}-name`}>{name}</dt>,
          <dd key={`${name}-value`}>
            <code data-credential={name}>{value}</code>
            <Island of={CopyButton} props={{ text: value, label: "Copy" }} />
          </dd>,
        ])}
      </dl>
    </section>
  );
}
