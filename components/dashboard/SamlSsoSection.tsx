/**
 * The Organizations page's SAML part of an organization's SSO cell: a SAML connection's IdP and the URLs its IT
 * copies into the IdP (Astapa's entity ID, which is also its metadata URL, the ACS URL and the single logout URL,
 * beside the IdP's own from its metadata), and for admins
 * the form that sets a SAML connection up from the IdP's metadata XML (docs/enterprise-sso.md, "SAML 2.0"), with
 * its encryption and request-signing switches and the button that rolls its own certificate (never a private key).
 */
import type { ShownSsoConnection } from "@/lib/login/sso/saml_urls.ts";
import { CsrfField } from "./Frame.tsx";

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
        <dt>Single logout URL (give the IdP)</dt>
        <dd>
          <code>{sso.slo_url}</code> · IdP's{" "}
          {sso.idp_slo_url
            ? <code>{sso.idp_slo_url}</code>
            : <span class="muted">none: no single logout</span>}
        </dd>
        <dt>
          Assertions {sso.want_assertions_encrypted ? "must be encrypted" : "may be encrypted"} · requests
          {" "}
          {sso.sign_authn_requests ? "signed" : "unsigned"} · sign-in from the IdP's portal{" "}
          {sso.idp_initiated ? "on" : "off"}
        </dt>
        {(sso.sp_certificates ?? []).map((key) => (
          <dd data-sp-certificate={key.state}>
            {key.state === "current" ? "Certificate (give the IdP for encryption and signed requests)" : (
              "Previous certificate (still decrypting until removed)"
            )}
            <details>
              <summary>
                <code>{key.id}</code>
              </summary>
              <pre>{pem(key.certificate)}</pre>
            </details>
          </dd>
        ))}
      </dl>
    </>
  );
}

const pem = (der: string) =>
  `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)?.join("\n")}\n-----END CERTIFICATE-----`;

/** An admin rolls the connection's own certificate, or ends a rotation by removing the previous one. */
export function SamlCertificateForm({ action, csrf, organization, rotating }: {
  action: string;
  csrf: string;
  organization: string;
  rotating: boolean;
}) {
  return (
    <form method="post" action={action} class="inline">
      <CsrfField token={csrf} />
      <input type="hidden" name="organization" value={organization} />
      {rotating
        ? (
          <button type="submit" name="action" value="remove_previous_sp_certificate">
            Remove the previous certificate
          </button>
        )
        : <button type="submit" name="action" value="rotate_sp_certificate">Roll the certificate</button>}
    </form>
  );
}

/** An admin's SAML set-up: the IdP's metadata XML. */
export function SamlSsoForm({ action, csrf, organization, enabled, encrypted, signed, idpInitiated }: {
  action: string;
  csrf: string;
  organization: string;
  enabled: boolean;
  encrypted: boolean;
  signed: boolean;
  idpInitiated: boolean;
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
        <label>
          <input type="checkbox" name="want_assertions_encrypted" checked={encrypted} />{" "}
          Require encrypted assertions (turn encryption on at the IdP first)
        </label>
        <label>
          <input type="checkbox" name="sign_authn_requests" checked={signed} /> Sign authentication requests
        </label>
        <label>
          <input type="checkbox" name="idp_initiated" checked={idpInitiated} />{" "}
          Sign-in from the IdP's app portal (needs the app's initiate-login URI in Settings)
        </label>
        <button type="submit" name="action" value="save_saml">Save SAML connection</button>
      </form>
    </details>
  );
}
