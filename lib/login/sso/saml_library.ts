/**
 * The XML libraries behind SAML, loaded on a SAML connection's first use (lib/lazy_import.ts): node-saml brings
 * xml-crypto, xmldom, xml2js, xmlbuilder and xml-encryption, which a deployment without SAML should not hold; the
 * X.509 library makes a SAML connection's service provider certificate.
 */
import { lazyImport } from "@/lib/lazy_import.ts";

export const nodeSaml = lazyImport("@node-saml/node-saml", () => import("@node-saml/node-saml"));
export const xmldom = lazyImport("@xmldom/xmldom", () => import("@xmldom/xmldom"));
/** @peculiar/x509 makes a connection's self-signed certificate; it needs the Reflect metadata polyfill first. */
export const x509 = lazyImport("@peculiar/x509", async () => {
  await import("reflect-metadata");
  return await import("@peculiar/x509");
});
