import { CsrfField } from "./Frame.tsx";
import { Phrase } from "./Phrase.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { MACHINE_CLIENTS_TEXT } from "@/lib/dashboard/text/machine_clients.ts";

type Props = { settings: Record<string, unknown>; page: string; csrf: string; canEdit: boolean; lang: Lang };

/** The two per-project switches for agents that register themselves (docs/mcp.md "The per-project switch"). */
export function SelfRegisteredClientsSection({ settings, page, csrf, canEdit, lang }: Props) {
  const text = MACHINE_CLIENTS_TEXT[lang];
  const switches = [
    {
      name: "dynamic_clients",
      label: <Phrase text={text.dynamicClients} parts={{ prefix: <code>dcl_</code> }} />,
    },
    { name: "client_metadata_documents", label: text.metadataDocuments },
  ];
  return (
    <section class="card" aria-labelledby="self-registration-heading">
      <h2 id="self-registration-heading">{text.selfRegistrationTitle}</h2>
      <p class="muted">{text.selfRegistrationIntro}</p>
      <form method="post" action={`${page}/self-registration`} class="form">
        <CsrfField token={csrf} />
        {switches.map(({ name, label }) => (
          <SettingSwitch
            key={name}
            class="check"
            name={name}
            label={label}
            checked={settings[name] === true}
            disabled={!canEdit}
          />
        ))}
        {canEdit && <button type="submit" class="button">{text.saveSelfRegistration}</button>}
      </form>
    </section>
  );
}
