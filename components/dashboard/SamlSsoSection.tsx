/**
 * The Organizations page's SAML part of an organization's SSO cell: a SAML connection's IdP and the URLs its IT
 * copies into the IdP (Astapa's entity ID, which is also its metadata URL, the ACS URL and the single logout URL,
 * beside the IdP's own from its metadata), and for admins
 * the form that sets a SAML connection up from the IdP's metadata XML (docs/enterprise-sso.md, "SAML 2.0"), with
 * its encryption and request-signing switches and the button that rolls its own certificate (never a private key).
 */
import type { ShownSsoConnection } from "@/lib/login/sso/saml_urls.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { fill } from "@/lib/dashboard/i18n.ts";
import { ORGANIZATION_SSO_TEXT } from "@/lib/dashboard/text/organization_sso.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";

/** What a SAML connection says, with the service provider URLs to copy. */
export function SamlSsoSummary({ sso, lang }: { sso: ShownSsoConnection; lang: Lang }) {
  const text = ORGANIZATION_SSO_TEXT[lang];
  return (
    <>
      SAML {sso.idp_entity_id
        ? <code>{sso.idp_entity_id}</code>
        : <span class="muted">{text.waitingForMetadata}</span>} · {sso.enabled ? text.enabled : text.disabled}
      <br />
      <span class="muted">{sso.domains.join(", ") || text.noVerifiedDomain}</span>
      <dl class="saml-sp">
        <dt>{text.spEntityId}</dt>
        <dd>
          <code>{sso.sp_entity_id}</code>
        </dd>
        <dt>{text.acsUrl}</dt>
        <dd>
          <code>{sso.acs_url}</code>
        </dd>
        <dt>{text.sloUrl}</dt>
        <dd>
          <code>{sso.slo_url}</code> · {text.idpSlo}{" "}
          {sso.idp_slo_url
            ? <code>{sso.idp_slo_url}</code>
            : <span class="muted">{text.noSingleLogout}</span>}
        </dd>
        <dt>
          {fill(text.switches, {
            encrypted: sso.want_assertions_encrypted ? text.mustBeEncrypted : text.mayBeEncrypted,
            signed: sso.sign_authn_requests ? text.signed : text.unsigned,
            portal: sso.idp_initiated ? text.on : text.off,
          })}
        </dt>
        {(sso.sp_certificates ?? []).map((key) => (
          <dd data-sp-certificate={key.state}>
            {key.state === "current" ? text.currentCertificate : text.previousCertificate}
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
export function SamlCertificateForm({ action, csrf, organization, rotating, lang }: {
  action: string;
  csrf: string;
  organization: string;
  rotating: boolean;
  lang: Lang;
}) {
  const text = ORGANIZATION_SSO_TEXT[lang];
  return (
    <form method="post" action={action} class="inline">
      <CsrfField token={csrf} />
      <input type="hidden" name="organization" value={organization} />
      {rotating
        ? (
          <button type="submit" name="action" value="remove_previous_sp_certificate">
            {text.removePreviousCertificate}
          </button>
        )
        : <button type="submit" name="action" value="rotate_sp_certificate">{text.rollCertificate}</button>}
    </form>
  );
}

/** An admin's SAML set-up: the IdP's metadata XML. */
export function SamlSsoForm({ action, csrf, organization, enabled, encrypted, signed, idpInitiated, lang }: {
  action: string;
  csrf: string;
  organization: string;
  enabled: boolean;
  encrypted: boolean;
  signed: boolean;
  idpInitiated: boolean;
  lang: Lang;
}) {
  const text = ORGANIZATION_SSO_TEXT[lang];
  const switches = [
    { name: "enabled", label: text.enabledSwitch, checked: enabled },
    { name: "want_assertions_encrypted", label: text.requireEncrypted, checked: encrypted },
    { name: "sign_authn_requests", label: text.signRequests, checked: signed },
    { name: "idp_initiated", label: text.idpInitiated, checked: idpInitiated },
  ];
  return (
    <details>
      <summary>{text.setUpSaml}</summary>
      <form method="post" action={action} class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="organization" value={organization} />
        <p class="muted">{text.samlHint}</p>
        <label>
          {text.metadataXml} <textarea name="idp_metadata_xml" rows={6} maxLength={256 * 1024}></textarea>
        </label>
        {switches.map((setting) => <SettingSwitch key={setting.name} {...setting} />)}
        <button type="submit" name="action" value="save_saml">{text.saveSaml}</button>
      </form>
    </details>
  );
}
