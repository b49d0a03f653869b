/**
 * What Astapa needs of a SAML identity provider — its entity ID, single sign-on URL and signing certificates — read
 * from the IdP's metadata (an md:EntityDescriptor) or given one by one, checked the way a person configuring it can
 * act on: every problem is a sentence for one field. XML is bounded and never given a DOCTYPE (no entity expansion,
 * no external entities); certificates are parsed (node:crypto X509Certificate) and an expired one is named so.
 */
import { X509Certificate } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { xmldom } from "./saml_library.ts";

/** The largest metadata document read (Entra ID's is ~4 KiB; ADFS's, with every claim type, ~60 KiB). */
export const MAX_METADATA_CHARS = 256 * 1024;
const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/** `sloUrl`: from metadata, its SingleLogoutService for HTTP-Redirect or "" when it has none; undefined otherwise. */
export type SamlIdp = { entityId: string; ssoUrl: string; certificates: string[]; sloUrl?: string };

/** Refuses what no SAML message of ours needs and every XML entity attack relies on. */
export function xmlShapeProblem(xml: string, max = MAX_METADATA_CHARS): string | null {
  if (xml.length > max) return `the XML is larger than ${Math.floor(max / 1024)} KiB`;
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return "the XML must not have a DOCTYPE or entity declarations";
  return null;
}

/** A parsed XML document, or the parser's complaint. */
export async function parseXml(xml: string): Promise<{ root: Element } | { problem: string }> {
  const { DOMParser } = await xmldom();
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(xml, "text/xml");
    if (!doc.documentElement) return { problem: "the XML has no root element" };
    return { root: doc.documentElement };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { problem: `the XML could not be parsed (${reason.slice(0, 160)})` };
  }
}

/** A certificate as stored (base64 DER, no armour), or why it cannot sign assertions for us. */
export function normaliseCertificate(text: string, now = new Date()): { der: string } | { problem: string } {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return { problem: "a certificate must be PEM or base64 DER" };
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Uint8Array.from(atob(body), (ch) => ch.charCodeAt(0)));
  } catch {
    return { problem: "a certificate could not be read as X.509" };
  }
  const expires = new Date(certificate.validTo);
  if (expires <= now) {
    return {
      problem: `the certificate ${
        certificate.subject.replace(/\n/g, ", ")
      } expired on ${expires.toISOString()}`,
    };
  }
  return { der: body };
}

/** The certificates as stored, or the first one's problem. */
export function certificatesOrProblem(texts: string[]): { certificates: string[] } | { problem: string } {
  if (texts.length < 1 || texts.length > 3) return { problem: "give 1 to 3 signing certificates" };
  const certificates: string[] = [];
  for (const text of texts) {
    const read = normaliseCertificate(text);
    if ("problem" in read) return read;
    if (!certificates.includes(read.der)) certificates.push(read.der);
  }
  return { certificates };
}

/** Why the IdP's single sign-on URL cannot be used, or null: the issuer's rules, but a query is allowed (IdPs
 * name the app in one: Google's `?idpid=`). */
export function ssoUrlProblem(url: string, allowHttp = false, field = "idp_sso_url"): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${field} is not a URL`;
  }
  if (url.length > 2000) return `${field} is longer than 2000 characters`;
  if (parsed.protocol !== "https:" && !(allowHttp && parsed.protocol === "http:")) {
    return `${field} must be an https URL`;
  }
  if (parsed.username || parsed.password || parsed.hash) {
    return `${field} must not carry a user name, password or fragment`;
  }
  return null;
}

const children = (parent: Element, ns: string, name: string) =>
  Array.from(parent.getElementsByTagNameNS(ns, name)) as Element[];

/** Reads an IdP's metadata: one EntityDescriptor with an IDPSSODescriptor (alone or inside EntitiesDescriptor). */
export async function readIdpMetadata(
  xml: string,
  allowHttp = false,
): Promise<SamlIdp | { problem: string }> {
  const shape = xmlShapeProblem(xml);
  if (shape) return { problem: shape };
  const parsed = await parseXml(xml);
  if ("problem" in parsed) return parsed;
  const entities = [parsed.root, ...children(parsed.root, MD, "EntityDescriptor")]
    .filter((e) => e.localName === "EntityDescriptor" && e.namespaceURI === MD)
    .filter((e) => children(e, MD, "IDPSSODescriptor").length > 0);
  if (entities.length !== 1) {
    return { problem: "the metadata must describe exactly one identity provider (an md:IDPSSODescriptor)" };
  }
  const entity = entities[0];
  const entityId = entity.getAttribute("entityID") ?? "";
  if (!entityId || entityId.length > 1024) {
    return { problem: "the metadata's entityID is missing or too long" };
  }
  const idp = children(entity, MD, "IDPSSODescriptor")[0];
  const services = children(idp, MD, "SingleSignOnService");
  const service = services.find((s) => s.getAttribute("Binding") === REDIRECT) ??
    services.find((s) => s.getAttribute("Binding") === POST);
  const ssoUrl = service?.getAttribute("Location") ?? "";
  if (!ssoUrl) {
    return { problem: "the metadata has no SingleSignOnService for the HTTP-Redirect or HTTP-POST binding" };
  }
  const urlProblem = ssoUrlProblem(ssoUrl, allowHttp);
  if (urlProblem) return { problem: `the metadata's SingleSignOnService: ${urlProblem}` };
  const signing = children(idp, MD, "KeyDescriptor").filter((k) =>
    (k.getAttribute("use") ?? "signing") === "signing"
  )
    .flatMap((k) => children(k, DS, "X509Certificate")).map((c) => c.textContent ?? "");
  if (signing.length === 0) {
    return { problem: 'the metadata has no signing certificate (KeyDescriptor use="signing")' };
  }
  // During a rotation the metadata lists the old and the new certificate: an expired one is left out unless all are.
  const usable = signing.map((text) => normaliseCertificate(text));
  const valid = [...new Set(usable.flatMap((u) => "der" in u ? [u.der] : []))];
  if (valid.length === 0) return { problem: (usable[0] as { problem: string }).problem };
  if (valid.length > 3) return { problem: "the metadata lists more than 3 signing certificates" };
  // Single logout by HTTP-Redirect only (the binding Astapa sends and answers by); an IdP without one has none.
  const sloUrl = children(idp, MD, "SingleLogoutService")
    .find((s) => s.getAttribute("Binding") === REDIRECT)?.getAttribute("Location") ?? "";
  const sloProblem = sloUrl && ssoUrlProblem(sloUrl, allowHttp, "idp_slo_url");
  if (sloProblem) return { problem: `the metadata's SingleLogoutService: ${sloProblem}` };
  return { entityId, ssoUrl, certificates: valid, sloUrl };
}
