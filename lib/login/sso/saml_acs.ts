/**
 * The Assertion Consumer Service: a SAML IdP's Response, POSTed by the browser (HTTP-POST binding), signs a person
 * in only when it answers the AuthnRequest this browser started. Unsolicited and IdP-initiated Responses are
 * refused: with no request of ours to answer, nothing ties the Response to the person at this browser, so anyone
 * holding a valid assertion for themselves could post it to a victim's browser and sign the victim in as the
 * attacker (login CSRF). Failures are logged with a fixed reason — never the XML nor what it said.
 */
import { samlProfile } from "@/lib/login/social/profile_claims.ts";
import type { Ctx } from "@/lib/app_env.ts";
import type { SsoSignInConnection } from "@/db/sso_connections.ts";
import { recordSamlAssertion } from "@/db/sso_connections.ts";
import { toAppError } from "@/lib/http/errors.ts";
import type { SocialFlow } from "../social/flow_cookie.ts";
import { SocialSignInError } from "../social/errors.ts";
import { MAX_METADATA_CHARS, parseXml, xmlShapeProblem } from "./saml_metadata.ts";
import {
  CLOCK_SKEW_MS,
  MAX_ASSERTION_AGE_MS,
  type SamlAssertionFacts,
  samlAssertionFacts,
  samlEmail,
  samlService,
} from "./saml_service.ts";
import { samlServiceProvider } from "./saml_urls.ts";
import type { SsoIdentity } from "@/db/sso_connections.ts";

const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

const refused = (reason: `saml_${string}`, status = 400) =>
  new SocialSignInError("socialFailed", status, { reason });

/** node-saml's refusals by what they say, as a fixed reason (its messages may quote the XML's values). */
function libraryReason(error: unknown): `saml_${string}` {
  const message = error instanceof Error ? error.message : "";
  const known: [RegExp, `saml_${string}`][] = [
    [/InResponseTo/i, "saml_in_response_to"],
    [/audience|AudienceRestriction/i, "saml_audience"],
    [/expired|not yet valid|too old|subject confirmation/i, "saml_expired"],
    [/multiple assertions|signature|transforms/i, "saml_signature"],
    [/EncryptedAssertion|decryption/i, "saml_encrypted"],
    [/SAML provider returned/i, "saml_status"],
  ];
  return known.find(([pattern]) => pattern.test(message))?.[1] ?? "saml_invalid";
}

/** The Response's own envelope checks node-saml leaves to us: a Response, status Success, our Destination. */
async function envelopeProblem(xml: string, acsUrl: string): Promise<`saml_${string}` | null> {
  const shape = xmlShapeProblem(xml, MAX_METADATA_CHARS);
  if (shape) return shape.includes("DOCTYPE") ? "saml_doctype" : "saml_too_large";
  const parsed = await parseXml(xml);
  if ("problem" in parsed) return "saml_malformed";
  const root = parsed.root;
  if (root.localName !== "Response" || root.namespaceURI !== PROTOCOL_NS) return "saml_not_a_response";
  const status = Array.from(root.childNodes).find((n) => n.nodeType === 1 && n.localName === "Status");
  const code = status &&
    Array.from(status.childNodes).find((n) => n.nodeType === 1 && n.localName === "StatusCode");
  if (!code || (code as unknown as Element).getAttribute("Value") !== SUCCESS) return "saml_status";
  // Destination is optional for an unsigned Response, but when it names another endpoint, it was meant for it.
  const destination = root.getAttribute("Destination");
  if (destination !== null && destination !== acsUrl) return "saml_destination";
  return null;
}

/** The checks node-saml does not make on the assertion: Issuer, Recipient, InResponseTo inside the signature. */
function assertionProblem(
  facts: SamlAssertionFacts,
  connection: SsoSignInConnection,
  acsUrl: string,
  requestId: string,
) {
  if (facts.issuer !== connection.idp_entity_id) return "saml_issuer";
  if (facts.recipients.length === 0 || facts.recipients.some((r) => r !== acsUrl)) return "saml_recipient";
  // The signed answer names our request too: a signed assertion cannot be moved into another Response.
  if (facts.inResponseTo.some((id) => id !== requestId) || !facts.inResponseTo.includes(requestId)) {
    return "saml_in_response_to";
  }
  if (!facts.id || !facts.nameId || Number.isNaN(facts.issueInstant)) return "saml_invalid";
  return null;
}

/** Who the Response names, or why it is refused. */
export async function samlIdentity(
  c: Ctx,
  projectId: string,
  connection: SsoSignInConnection,
  flow: SocialFlow,
  samlResponse: string,
): Promise<SsoIdentity | SocialSignInError> {
  const { baseUrl } = c.var.deps.config;
  const acsUrl = samlServiceProvider(baseUrl, connection.id).acs_url;
  let xml: string;
  try {
    xml = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(samlResponse), (ch) => ch.charCodeAt(0)),
    );
  } catch {
    return refused("saml_malformed");
  }
  const envelope = await envelopeProblem(xml, acsUrl);
  if (envelope) return refused(envelope);
  let facts: SamlAssertionFacts | null;
  try {
    const service = await samlService(baseUrl, connection, flow.samlRequestId);
    const { profile } = await service.validatePostResponseAsync({ SAMLResponse: samlResponse });
    facts = profile && await samlAssertionFacts(profile);
  } catch (error) {
    return refused(libraryReason(error));
  }
  if (!facts) return refused("saml_invalid");
  const problem = assertionProblem(facts, connection, acsUrl, flow.samlRequestId ?? "");
  if (problem) return refused(problem);
  // Kept until no check above could pass any more: past its IssueInstant's maximum age and the clock skew.
  const expires = new Date(facts.issueInstant + MAX_ASSERTION_AGE_MS + CLOCK_SKEW_MS);
  try {
    await recordSamlAssertion(c.var.deps.sql, projectId, connection.id, facts.id, expires);
  } catch (error) {
    if (toAppError(error).code === "conflict") return refused("saml_replay");
    throw error;
  }
  // SAML has no email_verified: the signed assertion is the organization's IdP vouching for the address, which is
  // accepted at the organization's verified domains only (finishSsoSignIn, api.sign_in_with_sso).
  return {
    subject: facts.nameId,
    email: samlEmail(facts),
    emailVerified: true,
    profile: samlProfile(facts.attributes),
  };
}
