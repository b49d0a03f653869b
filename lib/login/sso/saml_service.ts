/**
 * A SAML connection's service provider, built on @node-saml/node-saml for everything XML: the AuthnRequest (sent by
 * the HTTP-Redirect binding) and the POSTed Response's validation — the signature by one of the connection's
 * certificates (xml-crypto, on the signed bytes only: a wrapped or moved element is not what is read), the Audience,
 * NotBefore/NotOnOrAfter with a minute of clock skew, and InResponseTo against the one request this browser's flow
 * cookie names; with the connection's own key, the request's signature and the assertion's decryption. node-saml
 * leaves a few checks to its caller; samlAssertionFacts reads what they need from the verified assertion, and
 * saml_acs.ts applies them.
 */
import type { CacheProvider, Profile, ValidateInResponseTo } from "@node-saml/node-saml";
import { nodeSaml } from "./saml_library.ts";
import type { SsoSignInConnection } from "@/db/sso_connections.ts";
import { samlServiceProvider } from "./saml_urls.ts";
import { parseXml } from "./saml_metadata.ts";

/** A minute each way: IdP and Astapa clocks drift; an assertion lives a few minutes. */
export const CLOCK_SKEW_MS = 60_000;
/** No assertion is accepted more than ten minutes after its IssueInstant, whatever its NotOnOrAfter says. */
export const MAX_ASSERTION_AGE_MS = 10 * 60_000;

const pem = (der: string) =>
  `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----`;

/** node-saml's InResponseTo memory, holding only the request this browser started (from its flow cookie). */
function thisBrowsersRequest(requestId: string | undefined): CacheProvider {
  const issued = new Date().toISOString();
  return {
    saveAsync: () => Promise.resolve(null),
    getAsync: (key) => Promise.resolve(requestId !== undefined && key === requestId ? issued : null),
    removeAsync: () => Promise.resolve(null),
  };
}

/** The connection's own private key at work (PKCS#8 PEM, saml_sp_key.ts): one signs the request, one decrypts. */
export type SpKeyUse = { signWith?: string; decryptWith?: string };

/**
 * The SP of one SAML connection; `requestId` is the AuthnRequest's ID (made now, or read from the flow cookie), or
 * undefined for a Response the IdP sent unasked (IdP-initiated).
 * With `keys.signWith` the AuthnRequest is signed (HTTP-Redirect binding: SigAlg rsa-sha256 and Signature in the
 * query); with `keys.decryptWith` an EncryptedAssertion is decrypted, and its assertion's signature then checked
 * exactly as a plain one's.
 */
export async function samlService(
  baseUrl: string,
  connection: SsoSignInConnection,
  requestId?: string,
  keys: SpKeyUse = {},
) {
  const { SAML } = await nodeSaml();
  const sp = samlServiceProvider(baseUrl, connection.id);
  return new SAML({
    ...(keys.signWith ? { privateKey: keys.signWith, signatureAlgorithm: "sha256" as const } : {}),
    ...(keys.decryptWith ? { decryptionPvk: keys.decryptWith } : {}),
    issuer: sp.sp_entity_id,
    callbackUrl: sp.acs_url,
    audience: sp.sp_entity_id,
    entryPoint: connection.idp_sso_url,
    // Single logout: where LogoutRequests and LogoutResponses of ours go (node-saml falls back to the entry point).
    ...(connection.idp_slo_url ? { logoutUrl: connection.idp_slo_url } : {}),
    idpIssuer: connection.idp_entity_id,
    idpCert: (connection.idp_certificates ?? []).map(pem),
    // The assertion carries who, for whom and until when: its own signature is required. A signature on the
    // Response alone (with an unsigned assertion inside) is refused; one on both is fine.
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    maxAssertionAgeMs: MAX_ASSERTION_AGE_MS,
    // SP-initiated: a Response must answer the request in this browser's flow cookie. IdP-initiated (no request):
    // a Response naming any request is refused (none is remembered), and saml_acs.ts requires the assertion to name
    // none either.
    validateInResponseTo: (requestId === undefined ? "ifPresent" : "always") as ValidateInResponseTo,
    requestIdExpirationPeriodMs: 10 * 60_000,
    cacheProvider: thisBrowsersRequest(requestId),
    generateUniqueId: () => requestId ?? "",
    // Whatever NameID format the IdP is set up for (asking for one it does not use fails at some IdPs), and no
    // requested authentication context (Entra ID and ADFS refuse "password" when the person used something else).
    identifierFormat: null,
    disableRequestedAuthnContext: true,
  });
}

/** What Astapa reads from the verified assertion beyond node-saml's profile (its own checks and the identity). */
export type SamlAssertionFacts = {
  id: string;
  issuer: string;
  issueInstant: number;
  recipients: string[];
  inResponseTo: string[];
  nameId: string;
  nameIdFormat: string;
  /** The AuthnStatement's SessionIndex (the IdP's handle for its session, for single logout), or "". */
  sessionIndex: string;
  attributes: Record<string, string[]>;
};

const SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion";

/** Facts of the assertion node-saml verified (its signed bytes, re-parsed; comments do not split any text). */
export async function samlAssertionFacts(profile: Profile): Promise<SamlAssertionFacts | null> {
  const parsed = await parseXml(profile.getAssertionXml?.() ?? "");
  if ("problem" in parsed) return null;
  const assertion = parsed.root;
  const all = (name: string) => Array.from(assertion.getElementsByTagNameNS(SAML_NS, name));
  const confirmations = all("SubjectConfirmationData");
  const nameId = all("NameID")[0];
  // No prototype: an attribute Named "__proto__" (or "constructor") is one more attribute, not the object's own.
  const attributes: Record<string, string[]> = Object.create(null);
  for (const attribute of all("Attribute")) {
    const values = Array.from(attribute.getElementsByTagNameNS(SAML_NS, "AttributeValue"))
      .map((v) => (v.textContent ?? "").trim());
    attributes[attribute.getAttribute("Name") ?? ""] = values;
  }
  return {
    id: assertion.getAttribute("ID") ?? "",
    issuer: (all("Issuer")[0]?.textContent ?? "").trim(),
    issueInstant: Date.parse(assertion.getAttribute("IssueInstant") ?? ""),
    recipients: confirmations.map((d) => d.getAttribute("Recipient") ?? ""),
    inResponseTo: confirmations.map((d) => d.getAttribute("InResponseTo") ?? ""),
    // textContent joins every text node: `user@acme.test<!---->.evil.test` is read whole, as it was signed.
    nameId: (nameId?.textContent ?? "").trim(),
    nameIdFormat: nameId?.getAttribute("Format") ?? "",
    sessionIndex: all("AuthnStatement")[0]?.getAttribute("SessionIndex") ?? "",
    attributes,
  };
}

const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/** The attribute names IdPs send the address under (Okta, Google: email; ADFS, Entra: the claim URI; LDAP: mail). */
const EMAIL_ATTRIBUTES = [
  "email",
  "mail",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
  "urn:oid:0.9.2342.19200300.100.1.3",
];

/** The person's address: the NameID when it is an emailAddress, else the first email attribute with one value. */
export function samlEmail(facts: SamlAssertionFacts): string {
  if (facts.nameIdFormat === EMAIL_FORMAT && facts.nameId) return facts.nameId;
  for (const name of EMAIL_ATTRIBUTES) {
    const values = facts.attributes[name];
    if (values?.length === 1 && values[0]) return values[0];
  }
  return "";
}
