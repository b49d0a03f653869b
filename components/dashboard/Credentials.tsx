import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";

type CredentialsProps = { clientId: string; clientSecret: string };

/** A client id and a just-issued secret, each with a copy button. The secret is shown this once only. */
export function Credentials({ clientId, clientSecret }: CredentialsProps) {
  return (
    <section class="card secret" aria-labelledby="credentials-heading">
      <h2 id="credentials-heading">Your credentials</h2>
      <p class="alert">
        Copy the client secret now: Astapa keeps only its hash and cannot show it again. If you lose it,
        rotate it.
      </p>
      <dl class="credentials">
        <dt>client_id</dt>
        <dd>
          <code data-credential="client_id">{clientId}</code>
          <Island of={CopyButton} props={{ text: clientId, label: "Copy" }} />
        </dd>
        <dt>client_secret</dt>
        <dd>
          <code data-credential="client_secret">{clientSecret}</code>
          <Island of={CopyButton} props={{ text: clientSecret, label: "Copy" }} />
        </dd>
      </dl>
    </section>
  );
}
