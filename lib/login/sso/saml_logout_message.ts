/**
 * A SAML single logout message the IdP sent to our SLO endpoint: by the HTTP-Redirect binding (SAML bindings §3.4)
 * a LogoutRequest (IdP-initiated logout) or a LogoutResponse (the answer to ours), deflated and base64 in the query,
 * signed over `SAMLRequest|SAMLResponse`, `RelayState` and `SigAlg` exactly as they appear in it; or by the HTTP-POST
 * binding a LogoutRequest whose XML is signed (postedLogoutRequest). node-saml checks the signature against the
 * connection's IdP certificates, the Issuer and NotBefore/NotOnOrAfter; what it leaves to us is checked here first,
 * on a bounded copy: the message is signed at all (node-saml accepts an unsigned one), by rsa-sha256 or rsa-sha512,
 * each parameter named once in the query (the signed string is rebuilt from those parameters only), at most
 * 256 KiB inflated, with no DOCTYPE, and addressed (Destination) to this endpoint. */
import { Buffer } from "node:buffer";
import { inflateRawSync } from "node:zlib";
import type { Element } from "@xmldom/xmldom";
import { MAX_METADATA_CHARS, parseXml, xmlShapeProblem } from "./saml_metadata.ts";

const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const DS_NS = "http://www.w3.org/2000/09/xmldsig#";
/** SHA-1 is refused: every IdP we know signs logout messages with SHA-256 by default. */
export const LOGOUT_SIG_ALGS = [
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
];
const PARAMS = ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"];

/** A logout message as node-saml wants it: the decoded values and, by Redirect, the raw signed parameters. */
export type LogoutMessage = {
  kind: "LogoutRequest" | "LogoutResponse";
  /** How it came: "post" only for a LogoutRequest (its XML signed). */
  binding: "redirect" | "post";
  /** Decoded values, for node-saml's validateRedirectAsync or validatePostRequestAsync. */
  container: Record<string, string>;
  /** Redirect: the raw parameters in the binding's order, for its signature check (nothing else in the query). */
  signedQuery: string;
  relayState?: string;
  /** Whether the query carries a signature (a LogoutRequest always does; node-saml checks it). */
  signed: boolean;
  /** Facts of the message read from its XML (trusted only once node-saml verified the signature). */
  id: string;
  issueInstant: number;
  inResponseTo: string;
  sessionIndexes: string[];
};

/** Reads the Redirect binding's query `rawQuery` (without "?"), or why it is refused (a fixed reason). */
export async function redirectMessage(
  rawQuery: string,
  sloUrl: string,
): Promise<LogoutMessage | { problem: `saml_${string}` }> {
  const raw = new Map<string, string>();
  for (const part of rawQuery.split("&")) {
    const name = part.split("=", 1)[0];
    if (!(PARAMS as readonly string[]).includes(name)) continue; // not ours to read (nor signed)
    // A parameter twice: which one was signed and which one would be read could differ.
    if (raw.has(name)) return { problem: "saml_malformed" };
    raw.set(name, part);
  }
  const value = (name: string) => {
    const part = raw.get(name);
    return part === undefined
      ? undefined
      : decodeURIComponent(part.slice(name.length + 1).replaceAll("+", " "));
  };
  let container: Record<string, string>;
  try {
    container = Object.fromEntries(PARAMS.flatMap((name) => raw.has(name) ? [[name, value(name)!]] : []));
  } catch {
    return { problem: "saml_malformed" };
  }
  const message = container.SAMLRequest ?? container.SAMLResponse;
  if (!message || (container.SAMLRequest && container.SAMLResponse)) return { problem: "saml_malformed" };
  const kind = container.SAMLRequest ? "LogoutRequest" : "LogoutResponse";
  const signed = !!container.Signature || !!container.SigAlg;
  // An unsigned LogoutRequest ends nothing; an unsigned LogoutResponse only fails to confirm the IdP's logout.
  if (!signed && kind === "LogoutRequest") return { problem: "saml_unsigned" };
  if (signed && !LOGOUT_SIG_ALGS.includes(container.SigAlg ?? "")) {
    return { problem: "saml_signature_algorithm" };
  }
  if (signed && !container.Signature) return { problem: "saml_unsigned" };
  if ((container.RelayState ?? "").length > 1000) return { problem: "saml_malformed" };
  let xml: string;
  try {
    xml = new TextDecoder("utf-8", { fatal: true }).decode(
      inflateRawSync(Buffer.from(message, "base64"), { maxOutputLength: MAX_METADATA_CHARS }),
    );
  } catch {
    return { problem: "saml_malformed" };
  }
  const read = await messageFacts(xml, kind, sloUrl);
  if ("problem" in read) return read;
  const { root: _root, ...facts } = read;
  return {
    ...facts,
    binding: "redirect",
    container,
    signedQuery: ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"]
      .flatMap((name) => raw.has(name) ? [raw.get(name)!] : []).join("&"),
    relayState: container.RelayState,
    signed,
  };
}

/**
 * A LogoutRequest the IdP posted (HTTP-POST binding, bindings §3.5): base64 XML whose root carries an enveloped
 * XML signature (node-saml's validatePostRequestAsync checks it covers the root, by one of the IdP's
 * certificates, and reads the NameID and SessionIndex from the root's own children only). What it leaves: an XML
 * signature at all on the root, by rsa-sha256 or rsa-sha512 (not SHA-1), and the shape and Destination checks.
 */
export async function postedLogoutRequest(
  form: { SAMLRequest: string; RelayState?: string },
  sloUrl: string,
): Promise<LogoutMessage | { problem: `saml_${string}` }> {
  if ((form.RelayState ?? "").length > 1000) return { problem: "saml_malformed" };
  let xml: string;
  try {
    xml = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(form.SAMLRequest, "base64"));
  } catch {
    return { problem: "saml_malformed" };
  }
  const read = await messageFacts(xml, "LogoutRequest", sloUrl);
  if ("problem" in read) return read;
  const { root, ...facts } = read;
  const signature = Array.from(root.childNodes)
    .find((n) => n.nodeType === 1 && n.localName === "Signature" && n.namespaceURI === DS_NS) as
      | Element
      | undefined;
  if (!signature) return { problem: "saml_unsigned" };
  const method = signature.getElementsByTagNameNS(DS_NS, "SignatureMethod")[0]?.getAttribute("Algorithm") ??
    "";
  if (!LOGOUT_SIG_ALGS.includes(method)) return { problem: "saml_signature_algorithm" };
  return {
    ...facts,
    binding: "post",
    container: { SAMLRequest: form.SAMLRequest, ...(form.RelayState ? { RelayState: form.RelayState } : {}) },
    signedQuery: "",
    relayState: form.RelayState,
    signed: true,
  };
}

/** The checks and facts both bindings share, on the message's XML. */
type MessageFacts = Pick<LogoutMessage, "kind" | "id" | "issueInstant" | "inResponseTo" | "sessionIndexes">;

async function messageFacts(
  xml: string,
  kind: LogoutMessage["kind"],
  sloUrl: string,
): Promise<(MessageFacts & { root: Element }) | { problem: `saml_${string}` }> {
  const shape = xmlShapeProblem(xml, MAX_METADATA_CHARS);
  if (shape) return { problem: shape.includes("DOCTYPE") ? "saml_doctype" : "saml_too_large" };
  const parsed = await parseXml(xml);
  if ("problem" in parsed) return { problem: "saml_malformed" };
  const root = parsed.root;
  if (root.localName !== kind || root.namespaceURI !== PROTOCOL_NS) return { problem: "saml_not_a_logout" };
  // A signed message must name where it is going (bindings §3.4.5.2, §3.5.5.2): here.
  if (root.getAttribute("Destination") !== sloUrl) return { problem: "saml_destination" };
  const sessionIndexes = Array.from(root.childNodes)
    .filter((n) => n.nodeType === 1 && n.localName === "SessionIndex" && n.namespaceURI === PROTOCOL_NS)
    .map((n) => (n.textContent ?? "").trim());
  const nameIds = Array.from(root.getElementsByTagNameNS(ASSERTION_NS, "NameID"));
  if (kind === "LogoutRequest" && nameIds.length !== 1) return { problem: "saml_name_id" };
  return {
    root,
    kind,
    id: root.getAttribute("ID") ?? "",
    issueInstant: Date.parse(root.getAttribute("IssueInstant") ?? ""),
    inResponseTo: root.getAttribute("InResponseTo") ?? "",
    sessionIndexes,
  };
}

/** node-saml's refusals of a logout message by what they say, as a fixed reason (its messages quote the XML). */
export function logoutLibraryReason(error: unknown): `saml_${string}` {
  const message = error instanceof Error ? error.message : "";
  const known: [RegExp, `saml_${string}`][] = [
    [/signature/i, "saml_signature"],
    [/issuer/i, "saml_issuer"],
    [/expired|not yet valid/i, "saml_expired"],
    [/InResponseTo/i, "saml_in_response_to"],
    [/status/i, "saml_status"],
    [/NameID/i, "saml_name_id"],
  ];
  return known.find(([pattern]) => pattern.test(message))?.[1] ?? "saml_invalid";
}
