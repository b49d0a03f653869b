/**
 * A SAML connection's service provider metadata (what its IdP loads): node-saml's document for the URLs, then the
 * connection's certificates — each as a KeyDescriptor for signing and one for encryption, current first, a previous
 * one beside it during a rotation — with the EncryptionMethods Astapa decrypts (saml_encryption.ts) and
 * AuthnRequestsSigned saying whether requests are signed, and the SingleLogoutService (HTTP-Redirect). Built from public facts only: the private keys are never
 * opened here. node-saml's own key support is not used: it wants the private key and publishes one certificate.
 */
import { nodeSaml, xmldom } from "./saml_library.ts";
import { CONTENT_ALGORITHMS, KEY_TRANSPORT_ALGORITHMS } from "./saml_encryption.ts";
import type { SamlServiceProvider } from "./saml_urls.ts";

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";

export type SpMetadataFacts = { sign_authn_requests: boolean; certificates: string[] };

/** The metadata XML of the connection `id` at `sp`. */
export async function spMetadataXml(id: string, sp: SamlServiceProvider, facts: SpMetadataFacts) {
  const { generateServiceProviderMetadata } = await nodeSaml();
  const { DOMParser, XMLSerializer } = await xmldom();
  const base = generateServiceProviderMetadata({
    issuer: sp.sp_entity_id,
    callbackUrl: sp.acs_url,
    identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    wantAssertionsSigned: true,
    generateUniqueId: () => `_${id}`,
  });
  const doc = new DOMParser().parseFromString(base, "text/xml");
  const descriptor = doc.getElementsByTagNameNS(MD, "SPSSODescriptor")[0];
  descriptor.setAttribute("AuthnRequestsSigned", String(facts.sign_authn_requests));
  // Single logout by HTTP-Redirect (node-saml's own would say HTTP-POST), before NameIDFormat (saml-metadata §2.4.2).
  const logout = doc.createElementNS(MD, "SingleLogoutService");
  logout.setAttribute("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect");
  logout.setAttribute("Location", sp.slo_url);
  descriptor.insertBefore(logout, descriptor.getElementsByTagNameNS(MD, "NameIDFormat")[0] ?? null);
  // KeyDescriptors open an SSO descriptor (saml-metadata §2.4.1: RoleDescriptor's children come first).
  const first = descriptor.firstChild;
  const element = (name: string, ns = MD) => doc.createElementNS(ns, ns === MD ? name : `ds:${name}`);
  for (const certificate of facts.certificates) {
    for (const use of ["signing", "encryption"]) {
      const key = element("KeyDescriptor");
      key.setAttribute("use", use);
      const info = key.appendChild(element("KeyInfo", DS));
      const data = info.appendChild(element("X509Data", DS));
      data.appendChild(element("X509Certificate", DS)).appendChild(doc.createTextNode(certificate));
      if (use === "encryption") {
        for (const algorithm of [...CONTENT_ALGORITHMS, ...KEY_TRANSPORT_ALGORITHMS]) {
          const method = element("EncryptionMethod");
          method.setAttribute("Algorithm", algorithm);
          key.appendChild(method);
        }
      }
      descriptor.insertBefore(key, first);
    }
  }
  return new XMLSerializer().serializeToString(doc);
}
