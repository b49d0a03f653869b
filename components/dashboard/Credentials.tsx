import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

type CredentialsProps = { clientId: string; clientSecret: string; lang?: Lang };

/** A client id and a just-issued secret, each with a copy button. The secret is shown this once only. */
export function Credentials({ clientId, clientSecret, lang = "en" }: CredentialsProps) {
  const text = PROJECTS_TEXT[lang];
  return (
    <section class="card secret" aria-labelledby="credentials-heading">
      <h2 id="credentials-heading">{text.credentials}</h2>
      <p class="alert">{text.copySecretNow}</p>
      <dl class="credentials">
        <dt>client_id</dt>
        <dd>
          <code data-credential="client_id">{clientId}</code>
          <Island of={CopyButton} props={{ text: clientId, label: text.copy }} />
        </dd>
        <dt>client_secret</dt>
        <dd>
          <code data-credential="client_secret">{clientSecret}</code>
          <Island of={CopyButton} props={{ text: clientSecret, label: text.copy }} />
        </dd>
      </dl>
    </section>
  );
}
