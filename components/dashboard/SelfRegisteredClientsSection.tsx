import { CsrfField } from "./Frame.tsx";

type Props = { settings: Record<string, unknown>; page: string; csrf: string; canEdit: boolean };

/** The two per-project switches for agents that register themselves (docs/mcp.md "The per-project switch"). */
export function SelfRegisteredClientsSection({ settings, page, csrf, canEdit }: Props) {
  const dynamic = settings.dynamic_clients === true;
  const documents = settings.client_metadata_documents === true;
  return (
    <section class="card" aria-labelledby="self-registration-heading">
      <h2 id="self-registration-heading">Agents that register themselves</h2>
      <p class="muted">
        MCP clients such as desktop assistants and IDEs can sign a person in for this project's protected
        resources without being created here first. Each person still consents to the scopes asked for.
      </p>
      <form method="post" action={`${page}/self-registration`} class="form">
        <CsrfField token={csrf} />
        <label class="check">
          <input type="checkbox" name="dynamic_clients" checked={dynamic} disabled={!canEdit} />{" "}
          Dynamic client registration (RFC 7591: the client posts its metadata and gets a <code>dcl_</code>
          {" "}
          client ID)
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="client_metadata_documents"
            checked={documents}
            disabled={!canEdit}
          />{" "}
          Client ID metadata documents (the client ID is an https URL serving the client's metadata)
        </label>
        {canEdit && <button type="submit" class="button">Save</button>}
      </form>
    </section>
  );
}
