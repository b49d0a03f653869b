/**
 * POST /dashboard/projects/:id/organizations/sso: an admin saves an organization's enterprise SSO connection
 * (docs/enterprise-sso.md) or removes it — the issuer checked through the SSRF guard and the secret sealed as the
 * Platform API does, then api.put_sso_connection / api.delete_sso_connection; or a SAML connection from the IdP's
 * metadata XML (api.put_saml_sso_connection), and a SAML connection's certificate rolled or its previous one removed
 * (api.rotate_saml_sp_key, api.remove_previous_saml_sp_key); or its attribute names and group roles only
 * (api.set_sso_connection_mapping).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError } from "@/lib/http/errors.ts";
import {
  deleteSsoConnection,
  putSamlSsoConnection,
  putSsoConnection,
  removePreviousSamlSpKey,
  rotateSamlSpKey,
  setSsoConnectionMapping,
} from "@/db/sso_connections.ts";
import { makeSpKey } from "@/lib/login/sso/saml_sp_key.ts";
import { samlIdpOf } from "@/lib/login/sso/saml_config.ts";
import { formAction, prepared } from "@/lib/dashboard/form_action.ts";
import { issuerProblem } from "@/lib/login/sso/guarded_fetch.ts";
import { sealSsoSecret } from "@/lib/login/sso/secret.ts";
import { metadataFetchOptions } from "@/lib/oauth/metadata_document_clients.ts";
import {
  type OrganizationsData,
  OrganizationSsoForm,
  organizationsView,
  ssoMappingOfForm,
} from "@/lib/dashboard/organizations_page.ts";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { ORGANIZATIONS_TEXT } from "@/lib/dashboard/text/organizations.ts";
import OrganizationsPage from "./index.tsx";

export const handler: Handlers<OrganizationsData> = {
  POST: (c) => {
    const { deps } = c.var;
    // Fetched before the transaction: the IdP's answer time is not held in it.
    const checked = prepared(OrganizationSsoForm, async (form) => ({
      form,
      problem: form.action === "save"
        ? await issuerProblem(metadataFetchOptions(deps), form.issuer, deps.config.socialTimeoutMs)
        : null,
      // A SAML IdP's metadata, read (and any problem kept for the page) before the transaction too.
      saml: form.action === "save_saml"
        ? await samlIdpOf(
          { protocol: "saml", idp_metadata_xml: form.idp_metadata_xml || undefined },
          metadataFetchOptions(deps),
          deps.config.socialTimeoutMs,
        ).catch((error: unknown) => {
          if (error instanceof AppError) return error;
          throw error;
        })
        : null,
    }));
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/organizations`,
      body: checked,
      load: organizationsView(c),
      run: async (tx, projectId, _role, { form, problem, saml }) => {
        if (form.action === "remove") {
          await deleteSsoConnection(tx, form.organization);
          return "sso_removed";
        }
        if (form.action === "rotate_sp_certificate") {
          await rotateSamlSpKey(tx, form.organization, await makeSpKey(deps.masterKeys.social, projectId));
          return "sso_certificate_rotated";
        }
        if (form.action === "remove_previous_sp_certificate") {
          await removePreviousSamlSpKey(tx, form.organization);
          return "sso_certificate_removed";
        }
        if (form.action === "save_mapping") {
          await setSsoConnectionMapping(tx, form.organization, ssoMappingOfForm(form));
          return "sso_mapping_saved";
        }
        if (saml instanceof AppError) {
          throw new AppError("validation_failed", { description: `The SAML metadata: ${saml.description}` });
        }
        if (form.action === "save_saml") {
          // No metadata: the connection keeps its IdP, or is saved pending to show the URLs for the IdP first.
          await putSamlSsoConnection(tx, form.organization, {
            entityId: saml?.entityId ?? null,
            ssoUrl: saml?.ssoUrl ?? null,
            certificates: saml?.certificates ?? null,
            enabled: saml ? form.enabled === "on" : null,
            emailVerifiedRequired: null,
            wantAssertionsEncrypted: form.want_assertions_encrypted === "on",
            signAuthnRequests: form.sign_authn_requests === "on",
            idpInitiated: form.idp_initiated === "on",
            // From the metadata (its SingleLogoutService, or none); without metadata the connection keeps its own.
            sloUrl: saml?.sloUrl ?? null,
            makeSpKey: () => makeSpKey(deps.masterKeys.social, projectId),
            // The mapping has its own form (save_mapping): kept here.
            attributeMapping: null,
            groupRoles: null,
          });
          return "sso_saved";
        }
        if (problem) throw new AppError("validation_failed", { description: `The issuer: ${problem}.` });
        const sealed = form.idp_client_secret === "" ? null : await sealSsoSecret(
          deps.masterKeys.social,
          projectId,
          form.idp_client_id,
          form.idp_client_secret,
        );
        await putSsoConnection(tx, form.organization, {
          issuer: form.issuer,
          clientId: form.idp_client_id,
          clientSecretSealed: sealed,
          enabled: form.enabled === "on",
          emailVerifiedRequired: null,
          attributeMapping: null,
          groupRoles: null,
        });
        return "sso_saved";
      },
      title: (data) => `${ORGANIZATIONS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    });
  },
};

export default function OrganizationSsoPage(props: PageProps<OrganizationsData>) {
  return <OrganizationsPage {...props} />;
}
