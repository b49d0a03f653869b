/**
 * A SAML connection as the Platform API (and the CLI, the dashboard) accepts it: the IdP's metadata XML, or the URL
 * it is published at (fetched now through the SSRF guard), or its entity ID, SSO URL and certificate(s) given one
 * by one — or none of them: a SAML connection keeps its IdP, and a new one is saved pending (disabled, no IdP yet)
 * so that its service provider URLs can be given to the IdP first. Whatever is wrong is a `400 validation_failed`
 * naming the field and saying why.
 */
import { z } from "zod";
import { AppError } from "@/lib/http/errors.ts";
import type { MetadataFetchOptions } from "@/lib/oauth/client_metadata_document.ts";
import { fetchGuarded, IdpAddressRefused } from "./guarded_fetch.ts";
import {
  certificatesOrProblem,
  MAX_METADATA_CHARS,
  readIdpMetadata,
  type SamlIdp,
  ssoUrlProblem,
} from "./saml_metadata.ts";
import { MappingFields } from "./mapping_body.ts";

export const SamlConnectionBody = z.strictObject({
  protocol: z.literal("saml"),
  idp_metadata_xml: z.string().max(MAX_METADATA_CHARS).optional()
    .describe(
      "The IdP's SAML metadata (an md:EntityDescriptor); or idp_metadata_url; or the three fields below.",
    ),
  idp_metadata_url: z.string().max(2000).optional().describe("Where the IdP publishes its metadata (https)."),
  idp_entity_id: z.string().min(1).max(1024).optional(),
  idp_sso_url: z.string().max(2000).optional().describe("The IdP's single sign-on URL (https)."),
  idp_certificate: z.string().max(8000).optional().describe(
    "The IdP's signing certificate (PEM or base64 DER).",
  ),
  idp_certificates: z.array(z.string().max(8000)).min(1).max(3).optional()
    .describe("1 to 3 signing certificates, for a rotation."),
  enabled: z.boolean().optional(),
  email_verified_required: z.boolean().optional()
    .describe("SAML has no email_verified: the signed assertion vouches for the address (see the docs)."),
  want_assertions_encrypted: z.boolean().optional()
    .describe(
      "Refuse an assertion not encrypted to the connection's certificate (default false; kept when left out).",
    ),
  sign_authn_requests: z.boolean().optional()
    .describe(
      "Sign the AuthnRequest with the connection's key, rsa-sha256 (default false; kept when left out).",
    ),
  idp_initiated: z.boolean().optional()
    .describe(
      "Accept sign-ins started from the IdP's app portal, handed to the project client's initiate_login_uri " +
        "(default false; kept when left out).",
    ),
  idp_slo_url: z.string().max(2000).nullable().optional()
    .describe(
      "The IdP's single logout URL (HTTP-Redirect; https); null: no single logout. Taken from the metadata when " +
        "left out with it; kept when left out otherwise.",
    ),
  ...MappingFields,
});
export type SamlConnectionBody = z.infer<typeof SamlConnectionBody>;

const invalid = (field: string, problem: string) =>
  new AppError("validation_failed", { description: `${problem}.`, fields: { [field]: [problem] } });

async function metadataAt(fetch: MetadataFetchOptions, url: string, timeoutMs: number): Promise<string> {
  const urlProblem = ssoUrlProblem(url, fetch.allowHttp);
  if (urlProblem) throw invalid("idp_metadata_url", urlProblem.replace("idp_sso_url", "idp_metadata_url"));
  try {
    const answer = await fetchGuarded(fetch, url, timeoutMs, MAX_METADATA_CHARS);
    if (answer.status !== 200) {
      throw invalid("idp_metadata_url", `the metadata URL answered ${answer.status}, not 200`);
    }
    return answer.body;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason = error instanceof IdpAddressRefused
      ? error.message
      : (error instanceof Error ? error.message : String(error)).slice(0, 200);
    throw invalid("idp_metadata_url", `the metadata cannot be fetched: ${reason}`);
  }
}

/** The IdP the body describes, checked, or null when it names none; throws validation_failed naming the field. */
export async function samlIdpOf(
  body: SamlConnectionBody,
  fetch: MetadataFetchOptions,
  timeoutMs: number,
): Promise<SamlIdp | null> {
  const explicit = body.idp_entity_id !== undefined || body.idp_sso_url !== undefined ||
    body.idp_certificate !== undefined || body.idp_certificates !== undefined;
  const sources = [body.idp_metadata_xml !== undefined, body.idp_metadata_url !== undefined, explicit];
  if (!sources.includes(true)) return null;
  if (sources.filter(Boolean).length !== 1) {
    throw invalid(
      "protocol",
      "give exactly one of idp_metadata_xml, idp_metadata_url, or idp_entity_id with idp_sso_url and idp_certificate(s)",
    );
  }
  if (!explicit) {
    const field = body.idp_metadata_xml !== undefined ? "idp_metadata_xml" : "idp_metadata_url";
    const xml = body.idp_metadata_xml ?? await metadataAt(fetch, body.idp_metadata_url!, timeoutMs);
    const read = await readIdpMetadata(xml, fetch.allowHttp);
    if ("problem" in read) throw invalid(field, read.problem);
    return read;
  }
  if (!body.idp_entity_id) throw invalid("idp_entity_id", "idp_entity_id is required");
  if (body.idp_sso_url === undefined) throw invalid("idp_sso_url", "idp_sso_url is required");
  const urlProblem = ssoUrlProblem(body.idp_sso_url, fetch.allowHttp);
  if (urlProblem) throw invalid("idp_sso_url", urlProblem);
  const texts = body.idp_certificates ?? (body.idp_certificate === undefined ? [] : [body.idp_certificate]);
  const field = body.idp_certificates ? "idp_certificates" : "idp_certificate";
  const read = certificatesOrProblem(texts);
  if ("problem" in read) throw invalid(field, read.problem);
  return { entityId: body.idp_entity_id, ssoUrl: body.idp_sso_url, certificates: read.certificates };
}

/**
 * The single logout URL to save: the body's own (null: none, ""), else the metadata's (its SingleLogoutService, or
 * none), else null (the connection keeps its own).
 */
export function samlSloUrlOf(
  body: SamlConnectionBody,
  idp: SamlIdp | null,
  allowHttp = false,
): string | null {
  if (body.idp_slo_url === null) return "";
  if (body.idp_slo_url !== undefined) {
    const problem = ssoUrlProblem(body.idp_slo_url, allowHttp, "idp_slo_url");
    if (problem) throw invalid("idp_slo_url", problem);
    return body.idp_slo_url;
  }
  return idp?.sloUrl ?? null;
}
