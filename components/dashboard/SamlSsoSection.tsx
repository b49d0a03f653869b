/**
 * The Organizations page's SAML part of an organization's SSO cell: a SAML connection's IdP and the two URLs its
 * IT copies into the IdP (Astapa's entity ID, which is also its metadata URL, and the ACS URL), and for admins
 * the form that sets a SAML connection up from the IdP's metadata XML (docs/enterprise-sso.md, "SAML 2.0").
 */
import type { SsoConnection } from "@/db/sso_connections.ts";
import type { SamlServiceProvider } from "@/lib/login/sso/saml_urls.ts";
import { CsrfField } from "./Frame.tsx";

export type ShownSsoConnection = SsoConnection & Partial<SamlServiceProvider>;

/** What a SAML connection says, with the service provider URLs to copy. */
export function SamlSsoSummary({ sso }: { sso: ShownSsoConnection }) {
  return (
    <>
      SAML {sso.idp_entity_id
        ? <code>{sso.idp_entity_id}</code>
        : <span class="muted">waiting for the IdP's metadata</span>} · {sso.enabled ? "enabled" : "disabled"}
      <br />
      <span class="muted">{sso.domains.join(", ") || "no verified domain yet"}</span>
      <dl class="saml-sp">
        <dt>Entity ID / metadata URL (give the IdP)</dt>
        <dd>
          <code>{sso.sp_entity_id}</code>
        </dd>
        <dt>ACS URL (give the IdP)</dt>
        <dd>
          <code>{sso.acs_url}</code>
        </dd>
      </dl>
    </>
  );
}

/** An admin's SAML set-up: the IdP's metadata XML. */
export function SamlSsoForm({ action, csrf, organization, enabled }: {
  action: string;
  csrf: string;
  organization: string;
  enabled: boolean;
}) {
  return (
    <details>
      <summary>Set up SAML SSO</summary>
      <form method="post" action={action} class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="organization" value={organization} />
        <p class="muted">
          Save it empty first to get the entity ID and ACS URL to give the IdP; then paste the metadata the
          IdP offers. It signs people in once it has the metadata.
        </p>
        <label>
          The IdP's SAML metadata (XML){" "}
          <textarea name="idp_metadata_xml" rows={6} maxLength={256 * 1024}></textarea>
        </label>
        <label>
          <input type="checkbox" name="enabled" checked={enabled} /> Enabled
        </label>
        <button type="submit" name="action" value="save_saml">Save SAML connection</button>
      </form>
    </details>
  );
}
