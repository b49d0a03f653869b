/**
 * The XML libraries behind SAML, loaded on a SAML connection's first use (lib/lazy_import.ts): node-saml brings
 * xml-crypto, xmldom, xml2js, xmlbuilder and xml-encryption, which a deployment without SAML should not hold.
 */
import { lazyImport } from "@/lib/lazy_import.ts";

export const nodeSaml = lazyImport("@node-saml/node-saml", () => import("@node-saml/node-saml"));
export const xmldom = lazyImport("@xmldom/xmldom", () => import("@xmldom/xmldom"));
