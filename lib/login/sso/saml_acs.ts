/**
 * The Assertion Consumer Service's checks of a SAML IdP's Response, POSTed by the browser (HTTP-POST binding): one
 * that answers the AuthnRequest this browser started (its ID from the flow cookie), or, for a connection that
 * accepts sign-ins from the IdP's portal, one that answers no request at all (IdP-initiated; saml_idp_initiated.ts
 * hands it to the app rather than signing anyone in). Both are checked alike: signature, audience, recipient,
 * destination, validity, encryption, and the assertion ID recorded so it is used once. An EncryptedAssertion is
 * decrypted with the connection's own keys (saml_encryption.ts); a connection that wants assertions encrypted
 * refuses a plain one. Failures are logged with a fixed reason — never the XML nor what it said.
 */
import type { Ctx } from "@/lib/app_env.ts";
import type { SsoSignInConnection } from "@/db/sso_connections.ts";
import { recordSamlAssertion } from "@/db/sso_connections.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { SocialSignInError } from "../social/errors.ts";
import { MAX_METADATA_CHARS, parseXml, xmlShapeProblem } from "./saml_metadata.ts";
import {
  CLOCK_SKEW_MS,
  MAX_ASSERTION_AGE_MS,
  type SamlAssertionFacts,
  samlAssertionFacts,
  samlService,
} from "./saml_service.ts";
import { samlServiceProvider } from "./saml_urls.ts";
import { type AssertionForm, assertionForm, UndecryptableAssertion, withEachKey } from "./saml_encryption.ts";
import { openSpKeys } from "./saml_sp_key.ts";
import type { SsoIdentity } from "@/db/sso_connections.ts";
import { samlMappedClaims } from "./idp_claims.ts";

const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

/** The page's message by reason: encryption problems say what the organization's administrator should look at. */
const refused = (reason: `saml_${string}`, status = 400) =>
  new SocialSignInError(
    reason === "saml_not_encrypted"
      ? "samlNotEncrypted"
      : reason === "saml_undecryptable" || reason === "saml_encryption_algorithm"
      ? "samlUndecryptable"
      : "socialFailed",
    status,
    { reason },
  );

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

/**
 * The Response's own envelope checks node-saml leaves to us: a Response, status Success, our Destination, and the
 * assertion encrypted the way the connection asks; its assertion's form when all is well.
 */
async function envelopeProblem(
  xml: string,
  acsUrl: string,
  connection: SsoSignInConnection,
): Promise<{ problem: `saml_${string}` } | { form: AssertionForm }> {
  const problem = (reason: `saml_${string}`) => ({ problem: reason });
  const shape = xmlShapeProblem(xml, MAX_METADATA_CHARS);
  if (shape) return problem(shape.includes("DOCTYPE") ? "saml_doctype" : "saml_too_large");
  const parsed = await parseXml(xml);
  if ("problem" in parsed) return problem("saml_malformed");
  const root = parsed.root;
  if (root.localName !== "Response" || root.namespaceURI !== PROTOCOL_NS) {
    return problem("saml_not_a_response");
  }
  const status = Array.from(root.childNodes).find((n) => n.nodeType === 1 && n.localName === "Status");
  const code = status &&
    Array.from(status.childNodes).find((n) => n.nodeType === 1 && n.localName === "StatusCode");
  if (!code || (code as unknown as Element).getAttribute("Value") !== SUCCESS) return problem("saml_status");
  // Destination is optional for an unsigned Response, but when it names another endpoint, it was meant for it.
  const destination = root.getAttribute("Destination");
  if (destination !== null && destination !== acsUrl) return problem("saml_destination");
  const form = assertionForm(root);
  if ("problem" in form) return form;
  if (form.form === "plain" && connection.want_assertions_encrypted) return problem("saml_not_encrypted");
  if (form.form === "encrypted" && connection.sp_keys.length === 0) return problem("saml_undecryptable");
  return form;
}

/** node-saml's validation; an encrypted assertion is tried with each of the connection's keys, current first. */
async function validated(
  c: Ctx,
  projectId: string,
  connection: SsoSignInConnection,
  requestId: string | undefined,
  samlResponse: string,
  form: AssertionForm,
) {
  const { baseUrl } = c.var.deps.config;
  const validate = async (decryptWith?: string) => {
    const service = await samlService(baseUrl, connection, requestId, { decryptWith });
    return await service.validatePostResponseAsync({ SAMLResponse: samlResponse });
  };
  if (form !== "encrypted") return await validate();
  const keys = await openSpKeys(c.var.deps.masterKeys.social, projectId, connection);
  // Anything node-saml says before the decrypted assertion's own checks is the decryption failing.
  return await withEachKey(
    keys.map((key) => key.privateKeyPem),
    validate,
    (error) => ["saml_invalid", "saml_encrypted"].includes(libraryReason(error)),
  );
}

/** The checks node-saml does not make on the assertion: Issuer, Recipient, InResponseTo inside the signature. */
function assertionProblem(
  facts: SamlAssertionFacts,
  connection: SsoSignInConnection,
  acsUrl: string,
  requestId: string | undefined,
) {
  if (facts.issuer !== connection.idp_entity_id) return "saml_issuer";
  if (facts.recipients.length === 0 || facts.recipients.some((r) => r !== acsUrl)) return "saml_recipient";
  // The signed answer names our request too: a signed assertion cannot be moved into another Response. One sent
  // unasked names none (an assertion answering someone's request is not a portal sign-in).
  const expected = requestId ?? "";
  if (
    facts.inResponseTo.some((id) => id !== expected) || (requestId && !facts.inResponseTo.includes(requestId))
  ) {
    return "saml_in_response_to";
  }
  if (!facts.id || !facts.nameId || Number.isNaN(facts.issueInstant)) return "saml_invalid";
  return null;
}

/** Who the Response names, or why it is refused; `requestId` undefined: a Response the IdP sent unasked. */
export async function samlIdentity(
  c: Ctx,
  projectId: string,
  connection: SsoSignInConnection,
  requestId: string | undefined,
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
  const envelope = await envelopeProblem(xml, acsUrl, connection);
  if ("problem" in envelope) return refused(envelope.problem);
  let facts: SamlAssertionFacts | null;
  try {
    const { profile } = await validated(c, projectId, connection, requestId, samlResponse, envelope.form);
    facts = profile && await samlAssertionFacts(profile);
  } catch (error) {
    return refused(error instanceof UndecryptableAssertion ? "saml_undecryptable" : libraryReason(error));
  }
  if (!facts) return refused("saml_invalid");
  const problem = assertionProblem(facts, connection, acsUrl, requestId);
  if (problem) return refused(problem);
  // The address, names and groups under the connection's mapped attribute names (or the well-known ones).
  const claims = samlMappedClaims(facts, connection);
  if (claims instanceof SocialSignInError) return claims;
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
    ...claims,
    emailVerified: true,
    // Kept with the session for single logout; a SessionIndex or format beyond what is stored is left out (a
    // LogoutRequest then names the person only).
    saml: {
      nameIdFormat: facts.nameIdFormat && facts.nameIdFormat.length <= 256 ? facts.nameIdFormat : null,
      sessionIndex: facts.sessionIndex && facts.sessionIndex.length <= 256 ? facts.sessionIndex : null,
    },
  };
}
