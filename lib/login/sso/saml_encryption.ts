/**
 * Encrypted assertions (docs/enterprise-sso.md, "Encrypted assertions"): what a Response must look like before it is
 * decrypted, and the decryption itself by node-saml (xml-encryption underneath) with the connection's own keys —
 * the current one, then during a rotation the previous one, which the IdP may still encrypt to. Only what the SP
 * metadata offers is decrypted: AES-GCM or AES-256-CBC content under an RSA-OAEP key; RSA PKCS#1 v1.5 key transport
 * (Bleichenbacher's padding oracle) and 3DES are refused before any private key is used. Encryption is not
 * authentication — anyone can encrypt to the published certificate — so the decrypted assertion's signature is
 * checked exactly as a plain one's, by node-saml, after decryption.
 */
import type { Element } from "@xmldom/xmldom";

const XMLENC = "http://www.w3.org/2001/04/xmlenc#";
const XMLENC11 = "http://www.w3.org/2009/xmlenc11#";
/** Content encryption the metadata offers (and node-saml's xml-encryption can decrypt), strongest first. */
export const CONTENT_ALGORITHMS = [`${XMLENC11}aes256-gcm`, `${XMLENC11}aes128-gcm`, `${XMLENC}aes256-cbc`];
/** Key transport: RSA-OAEP (MGF1 with SHA-1; the digest may be SHA-1, SHA-256 or SHA-512). */
export const KEY_TRANSPORT_ALGORITHMS = [`${XMLENC}rsa-oaep-mgf1p`];

const elements = (parent: Element) =>
  Array.from(parent.childNodes).filter((n) => n.nodeType === 1) as unknown as Element[];

/** How the Response carries its assertion: in the clear, encrypted, or neither (node-saml judges that case). */
export type AssertionForm = "plain" | "encrypted" | "none";

/** The Response's assertion form, or why its encryption is refused before decrypting anything. */
export function assertionForm(response: Element): { form: AssertionForm } | { problem: `saml_${string}` } {
  const children = elements(response);
  const plain = children.some((e) => e.localName === "Assertion");
  const encrypted = children.filter((e) => e.localName === "EncryptedAssertion");
  if (encrypted.length === 0) return { form: plain ? "plain" : "none" };
  // More than one assertion (plain or encrypted) is refused by node-saml as a signature-scope risk; so here.
  if (plain || encrypted.length > 1) return { problem: "saml_signature" };
  // By local name in any namespace, as xml-encryption finds them: no method hides behind another prefix.
  const methods = Array.from(encrypted[0].getElementsByTagNameNS("*", "EncryptionMethod"));
  const data = Array.from(encrypted[0].getElementsByTagNameNS("*", "EncryptedData"));
  if (data.length !== 1 || methods.length === 0) return { problem: "saml_encryption_algorithm" };
  for (const method of methods) {
    const algorithm = method.getAttribute("Algorithm") ?? "";
    const parent = (method.parentNode as Element | null)?.localName;
    const allowed = parent === "EncryptedData"
      ? CONTENT_ALGORITHMS
      : parent === "EncryptedKey"
      ? KEY_TRANSPORT_ALGORITHMS
      : [];
    if (!allowed.includes(algorithm)) return { problem: "saml_encryption_algorithm" };
  }
  return { form: "encrypted" };
}

/**
 * Runs `validate` with each private key until one decrypts: a failure that is not the decryption's (a bad signature,
 * audience, InResponseTo…) is final; when no key decrypts, the error says so.
 */
export async function withEachKey<T>(
  keys: string[],
  validate: (decryptWith: string) => Promise<T>,
  isDecryptionFailure: (error: unknown) => boolean,
): Promise<T> {
  let last: unknown = new UndecryptableAssertion();
  for (const key of keys) {
    try {
      return await validate(key);
    } catch (error) {
      if (!isDecryptionFailure(error)) throw error;
      last = error;
    }
  }
  throw new UndecryptableAssertion({ cause: last });
}

/** No key of the connection decrypts the assertion: encrypted to another certificate, or changed on the way. */
export class UndecryptableAssertion extends Error {
  constructor(options?: ErrorOptions) {
    super("no service provider key decrypts the assertion", options);
  }
}
