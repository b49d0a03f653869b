/**
 * A local SAML 2.0 identity provider for tests: a fresh RSA key and self-signed certificate per run (@peculiar/x509),
 * its metadata (served over loopback for idp_metadata_url too), the AuthnRequest read back from Astapa's redirect,
 * and Responses built to order and signed with xml-crypto — the assertion, the Response, both or neither, by its
 * own key or another — and encrypted as an IdP does (xml-encryption, node-saml's own dependency) to the certificate
 * the SP publishes, so tests can try every way a Response may be wrong. It checks a signed AuthnRequest's
 * HTTP-Redirect signature against the certificate in the SP's metadata, as Okta or Entra ID would.
 */
import { Buffer } from "node:buffer";
import { createSign, createVerify } from "node:crypto";
import { promisify } from "node:util";
import { deflateRawSync, inflateRawSync } from "node:zlib";
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { SignedXml } from "xml-crypto";
import * as xmlenc from "xml-encryption";
import { serveFake } from "./serve.ts";

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const b64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const wrap = (label: string, body: string) =>
  `-----BEGIN ${label}-----\n${body.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;

export type SigningKey = { keyPem: string; certPem: string; certDer: string };

/** A key pair and a self-signed certificate valid from `notBefore` to `notAfter`. */
export async function signingKey(
  name = "CN=Fake SAML IdP",
  notBefore = new Date(Date.now() - 86_400_000),
  notAfter = new Date(Date.now() + 30 * 86_400_000),
): Promise<SigningKey> {
  const keys = await crypto.subtle.generateKey(RSA, true, ["sign", "verify"]) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: RSA,
  });
  const certDer = b64(cert.rawData);
  const keyPem = wrap("PRIVATE KEY", b64(await crypto.subtle.exportKey("pkcs8", keys.privateKey)));
  return { keyPem, certPem: wrap("CERTIFICATE", certDer), certDer };
}

export type AuthnRequestSeen = {
  id: string;
  acsUrl: string;
  issuer: string;
  relayState: string;
  xml: string;
};

export type ResponseOptions = {
  inResponseTo: string;
  /** A Response sent unasked (the IdP's portal tile): no InResponseTo on the Response or its assertion. */
  idpInitiated?: boolean;
  acsUrl: string;
  audience: string;
  nameId?: string;
  nameIdFormat?: string;
  /** Attribute name → its value, or its values (one AttributeValue each: groups, as IdPs send them). */
  attributes?: Record<string, string | string[]>;
  issuer?: string;
  destination?: string | null;
  recipient?: string;
  subjectInResponseTo?: string;
  notOnOrAfter?: Date;
  status?: string;
  assertionId?: string;
  /** The AuthnStatement's SessionIndex (the IdP's session, for single logout); null: none. Default: a fresh one. */
  sessionIndex?: string | null;
  /** Which elements are signed (default: the assertion). */
  sign?: { assertion?: boolean; response?: boolean };
  key?: SigningKey;
  /** Encrypts the (signed) assertion to this certificate (base64 DER), as an IdP with encryption on does. */
  encryptTo?: string;
  /** The content and key transport algorithms (default aes256-gcm under rsa-oaep-mgf1p). */
  encryption?: EncryptionChoice;
};

/** What the IdP encrypts with (xml-encryption's names are the W3C algorithm URIs). */
export type EncryptionChoice = {
  content?: xmlenc.EncryptionAlgorithm;
  keyTransport?: xmlenc.KeyEncryptionAlgorithm;
};

export const AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
export const AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
export const AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
export const AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
export const TRIPLEDES_CBC = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc";
export const RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
export const RSA_1_5 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";

/** `xml` with its Assertion replaced by an EncryptedAssertion to `certDer` (the signature inside, as signed). */
export async function encryptAssertion(
  xml: string,
  certDer: string,
  algorithms: EncryptionChoice = {},
): Promise<string> {
  const assertion = xml.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
  const pem = wrap("CERTIFICATE", certDer);
  const encrypted = await promisify(xmlenc.encrypt)(assertion, {
    rsa_pub: pem,
    pem,
    encryptionAlgorithm: algorithms.content ?? AES256_GCM,
    keyEncryptionAlgorithm: algorithms.keyTransport ?? RSA_OAEP,
    disallowEncryptionWithInsecureAlgorithm: false,
    warnInsecureAlgorithm: false,
  });
  // The assertion's namespace declarations were on the Response: the encrypted one must carry its own.
  return xml.replace(assertion, `<saml:EncryptedAssertion>${encrypted}</saml:EncryptedAssertion>`);
}

/** The certificates (base64 DER) of the SP metadata's KeyDescriptors for `use`, in order. */
export function spCertificates(metadataXml: string, use: "signing" | "encryption"): string[] {
  return [...metadataXml.matchAll(/<KeyDescriptor use="(\w+)">[\s\S]*?<ds:X509Certificate>([^<]+)</g)]
    .filter((m) => m[1] === use).map((m) => m[2]);
}

/**
 * Whether the redirect's query is signed (SAML bindings §3.4.4.1) by one of `certificates`: the signature covers
 * SAMLRequest, RelayState and SigAlg exactly as they appear in the query, URL-encoded, in that order.
 */
export function requestSignatureValid(location: URL, certificates: string[]): boolean {
  const raw = (name: string) =>
    location.search.slice(1).split("&").find((part) => part.startsWith(`${name}=`));
  const sigAlg = location.searchParams.get("SigAlg");
  const signature = location.searchParams.get("Signature");
  if (sigAlg !== SIG || !signature) return false;
  const signed = ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg"].map(raw).filter(Boolean).join("&");
  return certificates.some((der) =>
    createVerify("RSA-SHA256").update(signed).verify(wrap("CERTIFICATE", der), signature, "base64")
  );
}

const SIG = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const EXC = "http://www.w3.org/2001/10/xml-exc-c14n#";

/** Signs the element `local` (Assertion or Response) of `xml` in place, the signature after its Issuer. */
export function signElement(
  xml: string,
  local: "Assertion" | "Response" | "LogoutRequest",
  key: SigningKey,
): string {
  const sig = new SignedXml({
    privateKey: key.keyPem,
    publicCert: key.certPem,
    signatureAlgorithm: SIG,
    canonicalizationAlgorithm: EXC,
  });
  const path = `//*[local-name(.)='${local}']`;
  sig.addReference({
    xpath: path,
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", EXC],
  });
  sig.computeSignature(xml, {
    location: { reference: `${path}/*[local-name(.)='Issuer']`, action: "after" },
  });
  return sig.getSignedXml();
}

export async function startFakeSamlIdp() {
  const key = await signingKey();
  const entityId = "https://idp.acme.test/saml";
  const ssoUrl = "https://idp.acme.test/sso?app=astapa";
  const sloUrl = "https://idp.acme.test/slo";
  const metadata = (k: SigningKey = key, sso = ssoUrl, slo?: string) =>
    `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${k.certDer}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    ${
      slo
        ? `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${slo}"/>`
        : ""
    }
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.acme.test/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${sso}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  // The IdP's sign-in page for browser tests: it "authenticates" approveAs and offers the signed Response as the
  // HTTP-POST binding does, a form posted to the ACS the request named (from this origin: a cross-site POST).
  const serveSso = (url: URL) => {
    const request = idp.readRequest(url);
    const response = encodeResponse(idp.signedXml({
      inResponseTo: request.id,
      acsUrl: request.acsUrl,
      audience: request.issuer,
      nameId: idp.approveAs,
    }));
    const html =
      `<!doctype html><title>Fake IdP</title><link rel="icon" href="data:,"><form method="post" action="${request.acsUrl}">` +
      `<input type="hidden" name="SAMLResponse" value="${response}">` +
      `<input type="hidden" name="RelayState" value="${request.relayState}">` +
      `<button type="submit">Continue as ${idp.approveAs}</button></form>`;
    return new Response(html, { headers: { "content-type": "text/html" } });
  };
  // The IdP's app portal for browser tests: the app's tile posts a signed Response nobody asked for (IdP-initiated)
  // to the ACS `acs` names, for the SP entity `audience`, signing in approveAs.
  const servePortal = (url: URL) => {
    const acsUrl = url.searchParams.get("acs") ?? "";
    const response = encodeResponse(idp.signedXml({
      inResponseTo: "",
      idpInitiated: true,
      acsUrl,
      audience: url.searchParams.get("audience") ?? "",
      nameId: idp.approveAs,
    }));
    const html =
      `<!doctype html><title>Fake IdP portal</title><link rel="icon" href="data:,"><form method="post" action="${acsUrl}">` +
      `<input type="hidden" name="SAMLResponse" value="${response}"><button type="submit">Open the app</button></form>`;
    return new Response(html, { headers: { "content-type": "text/html" } });
  };
  // The IdP's single logout endpoint for browser tests: a LogoutRequest of the SP's is answered with a signed
  // LogoutResponse sent back to the SP's SLO URL (its entity ID's /slo); the SP's LogoutResponse ends on a page.
  const serveSlo = (url: URL) => {
    if (url.searchParams.has("SAMLResponse")) {
      const answer = idp.readLogoutMessage(url);
      return new Response(
        `<!doctype html><title>Fake IdP</title><link rel="icon" href="data:,"><h1>Signed out at the IdP: ${
          answer.status.split(":").at(-1)
        }</h1>`,
        { headers: { "content-type": "text/html" } },
      );
    }
    const request = idp.readLogoutMessage(url);
    const spSlo = `${request.issuer}/slo`;
    const path = idp.logoutResponseUrl({
      sloUrl: spSlo,
      inResponseTo: request.id,
      relayState: request.relayState,
    });
    return Response.redirect(new URL(path, spSlo).href, 303);
  };
  // The person signs out at the IdP (IdP-initiated logout): the IdP sends the browser to the SP's SLO URL `sp` with a
  // signed LogoutRequest for `name_id` (default approveAs).
  const serveSloStart = (url: URL) => {
    const spSlo = url.searchParams.get("sp") ?? "";
    const path = idp.logoutRequestUrl({
      sloUrl: spSlo,
      nameId: url.searchParams.get("name_id") ?? idp.approveAs,
      relayState: "from-the-idp",
    });
    return Response.redirect(new URL(path, spSlo).href, 303);
  };
  const server = serveFake((_req, url) =>
    url.pathname === "/slo"
      ? serveSlo(url)
      : url.pathname === "/slo-start"
      ? serveSloStart(url)
      : url.pathname === "/portal"
      ? servePortal(url)
      : url.pathname === "/metadata"
      ? new Response(metadata(), { headers: { "content-type": "application/samlmetadata+xml" } })
      : url.pathname === "/sso"
      ? serveSso(url)
      : new Response("not found", { status: 404 })
  );
  let counter = 0;

  const idp = {
    key,
    entityId,
    ssoUrl,
    sloUrl,
    metadata,
    metadataUrl: `${server.origin}/metadata`,
    /** The loopback sign-in page (http: tests allow it), for browser tests. */
    browserSsoUrl: `${server.origin}/sso`,
    /** The loopback app portal (IdP-initiated), for browser tests: `?acs=…&audience=…`. */
    browserPortalUrl: `${server.origin}/portal`,
    /** The loopback single logout endpoint (answers the SP's LogoutRequest), for browser tests. */
    browserSloUrl: `${server.origin}/slo`,
    /** The loopback "sign out at the IdP" link (IdP-initiated logout), for browser tests: `?sp=…&name_id=…`. */
    browserSloStartUrl: `${server.origin}/slo-start`,
    /** Who the loopback sign-in page signs in. */
    approveAs: "dewi@acme.test",
    server,
    close: () => server.close(),

    /** The AuthnRequest Astapa redirected to (HTTP-Redirect binding: deflated, base64, in the query). */
    readRequest(location: URL): AuthnRequestSeen {
      const xml = inflateRawSync(
        Uint8Array.from(atob(location.searchParams.get("SAMLRequest")!), (c) => c.charCodeAt(0)),
      )
        .toString("utf8");
      const attr = (name: string) => xml.match(new RegExp(`${name}="([^"]*)"`))?.[1] ?? "";
      const issuer = xml.match(/<saml:Issuer[^>]*>([^<]*)</)?.[1] ?? "";
      return {
        id: attr("ID"),
        acsUrl: attr("AssertionConsumerServiceURL"),
        issuer,
        relayState: location.searchParams.get("RelayState") ?? "",
        xml,
      };
    },

    /** A Response's XML, unsigned. */
    responseXml(o: ResponseOptions): string {
      const now = new Date();
      const until = (o.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000)).toISOString();
      const issuer = o.issuer ?? entityId;
      const assertionId = o.assertionId ?? `_a${++counter}${crypto.randomUUID().replaceAll("-", "")}`;
      const destination = o.destination === null ? "" : ` Destination="${o.destination ?? o.acsUrl}"`;
      const answering = (id: string) => o.idpInitiated ? "" : ` InResponseTo="${id}"`;
      const attributes = Object.entries(o.attributes ?? {}).map(([name, value]) =>
        `<saml:Attribute Name="${name}">${
          [value].flat().map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join("")
        }</saml:Attribute>`
      ).join("");
      return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${
        crypto.randomUUID().replaceAll("-", "")
      }" Version="2.0" IssueInstant="${now.toISOString()}"${answering(o.inResponseTo)}${destination}>` +
        `<saml:Issuer>${issuer}</saml:Issuer>` +
        `<samlp:Status><samlp:StatusCode Value="${
          o.status ?? "urn:oasis:names:tc:SAML:2.0:status:Success"
        }"/></samlp:Status>` +
        // The assertion declares its own namespace, as IdPs do: encrypted, it travels without the Response's.
        `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${now.toISOString()}">` +
        `<saml:Issuer>${issuer}</saml:Issuer>` +
        `<saml:Subject><saml:NameID Format="${
          o.nameIdFormat ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        }">${o.nameId ?? "dewi@acme.test"}</saml:NameID>` +
        `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${
          answering(o.subjectInResponseTo ?? o.inResponseTo)
        } NotOnOrAfter="${until}" Recipient="${
          o.recipient ?? o.acsUrl
        }"/></saml:SubjectConfirmation></saml:Subject>` +
        `<saml:Conditions NotBefore="${
          new Date(now.getTime() - 60_000).toISOString()
        }" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${o.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
        `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"${
          o.sessionIndex === null ? "" : ` SessionIndex="${o.sessionIndex ?? `_s${assertionId}`}"`
        }><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
        (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : "") +
        `</saml:Assertion></samlp:Response>`;
    },

    /**
     * A LogoutRequest to the SP's SLO endpoint by the HTTP-Redirect binding, as the path and query to request:
     * deflated, base64, signed over SAMLRequest, RelayState and SigAlg (rsa-sha256) by the IdP's key, another
     * (`key`), or not at all (`key: null`).
     */
    logoutRequestUrl(o: LogoutRequestOptions): string {
      const now = o.issueInstant ?? new Date();
      const xml = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ` +
        `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${
          o.id ?? `_l${crypto.randomUUID().replaceAll("-", "")}`
        }" Version="2.0" IssueInstant="${now.toISOString()}"` +
        (o.destination === null ? "" : ` Destination="${o.destination ?? o.sloUrl}"`) +
        ` NotOnOrAfter="${(o.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000)).toISOString()}">` +
        `<saml:Issuer>${o.issuer ?? entityId}</saml:Issuer>` +
        `<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${o.nameId}</saml:NameID>` +
        (o.sessionIndexes ?? []).map((i) => `<samlp:SessionIndex>${i}</samlp:SessionIndex>`).join("") +
        `</samlp:LogoutRequest>`;
      return redirectQuery(
        o.sloUrl,
        "SAMLRequest",
        xml,
        o.relayState,
        o.key === undefined ? key : o.key,
        o.sigAlg,
      );
    },

    /**
     * The same LogoutRequest by the HTTP-POST binding: the form the IdP's page posts, its XML signed (enveloped,
     * after the Issuer) unless `key` is null; `tamper` changes the signed XML afterwards.
     */
    logoutRequestForm(o: LogoutRequestOptions & { tamper?: (xml: string) => string }): URLSearchParams {
      const query = new URL(`https://sp.test${this.logoutRequestUrl({ ...o, key: null })}`).searchParams;
      let xml = inflateRawSync(Buffer.from(query.get("SAMLRequest")!, "base64")).toString("utf8");
      const signer = o.key === undefined ? key : o.key;
      if (signer) xml = signElement(xml, "LogoutRequest", signer);
      if (o.tamper) xml = o.tamper(xml);
      return new URLSearchParams({
        SAMLRequest: Buffer.from(xml, "utf8").toString("base64"),
        ...(o.relayState === undefined ? {} : { RelayState: o.relayState }),
      });
    },

    /** A LogoutResponse to the SP's LogoutRequest (HTTP-Redirect binding), signed as logoutRequestUrl's. */
    logoutResponseUrl(o: LogoutResponseOptions): string {
      const xml = `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ` +
        `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr${
          crypto.randomUUID().replaceAll("-", "")
        }" ` +
        `Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${o.sloUrl}" ` +
        `InResponseTo="${o.inResponseTo}"><saml:Issuer>${o.issuer ?? entityId}</saml:Issuer>` +
        `<samlp:Status><samlp:StatusCode Value="${
          o.status ?? "urn:oasis:names:tc:SAML:2.0:status:Success"
        }"/></samlp:Status></samlp:LogoutResponse>`;
      return redirectQuery(o.sloUrl, "SAMLResponse", xml, o.relayState, o.key === undefined ? key : o.key);
    },

    /** A LogoutRequest or LogoutResponse the SP redirected to (HTTP-Redirect binding), read back. */
    readLogoutMessage(location: URL) {
      const message = location.searchParams.get("SAMLRequest") ?? location.searchParams.get("SAMLResponse")!;
      const xml = inflateRawSync(Uint8Array.from(atob(message), (c) => c.charCodeAt(0))).toString("utf8");
      const attr = (name: string) => xml.match(new RegExp(` ${name}="([^"]*)"`))?.[1] ?? "";
      const text = (local: string) => xml.match(new RegExp(`<[\\w]*:?${local}[^>]*>([^<]*)<`))?.[1] ?? "";
      return {
        xml,
        id: attr("ID"),
        destination: attr("Destination"),
        inResponseTo: attr("InResponseTo"),
        issuer: text("Issuer"),
        nameId: text("NameID"),
        sessionIndex: text("SessionIndex"),
        status: xml.match(/StatusCode Value="([^"]*)"/)?.[1] ?? "",
        relayState: location.searchParams.get("RelayState") ?? "",
      };
    },

    /** A Response signed as `o.sign` says (the assertion by default), as XML. */
    signedXml(o: ResponseOptions): string {
      const signer = o.key ?? key;
      let xml = this.responseXml(o);
      if (o.sign?.assertion ?? true) xml = signElement(xml, "Assertion", signer);
      if (o.sign?.response) xml = signElement(xml, "Response", signer);
      return xml;
    },

    /** A Response with its assertion signed, then encrypted to `o.encryptTo`, then the Response signed if asked. */
    async encryptedXml(o: ResponseOptions & { encryptTo: string }): Promise<string> {
      const signer = o.key ?? key;
      let xml = this.responseXml(o);
      if (o.sign?.assertion ?? true) xml = signElement(xml, "Assertion", signer);
      xml = await encryptAssertion(xml, o.encryptTo, o.encryption);
      if (o.sign?.response) xml = signElement(xml, "Response", signer);
      return xml;
    },
  };
  return idp;
}

export type FakeSamlIdp = Awaited<ReturnType<typeof startFakeSamlIdp>>;

export type LogoutRequestOptions = {
  /** The SP's SLO URL: where the request goes, and its Destination unless `destination` says otherwise. */
  sloUrl: string;
  nameId: string;
  sessionIndexes?: string[];
  relayState?: string;
  issuer?: string;
  destination?: string | null;
  id?: string;
  issueInstant?: Date;
  notOnOrAfter?: Date;
  /** The key that signs the query; null: unsigned. */
  key?: SigningKey | null;
  sigAlg?: string;
};

export type LogoutResponseOptions = {
  sloUrl: string;
  inResponseTo: string;
  relayState: string;
  status?: string;
  issuer?: string;
  key?: SigningKey | null;
};

/** The HTTP-Redirect binding's path and query for `xml` (SAML bindings §3.4.4.1), signed by `key` unless null. */
function redirectQuery(
  endpoint: string,
  param: "SAMLRequest" | "SAMLResponse",
  xml: string,
  relayState: string | undefined,
  key: SigningKey | null,
  sigAlg = SIG,
): string {
  const encoded = (value: string) => encodeURIComponent(value);
  let query = `${param}=${encoded(deflateRawSync(Buffer.from(xml, "utf8")).toString("base64"))}`;
  if (relayState !== undefined) query += `&RelayState=${encoded(relayState)}`;
  if (key) {
    query += `&SigAlg=${encoded(sigAlg)}`;
    const hash = sigAlg.endsWith("sha1") ? "RSA-SHA1" : "RSA-SHA256";
    query += `&Signature=${encoded(createSign(hash).update(query).sign(key.keyPem, "base64"))}`;
  }
  const url = new URL(endpoint);
  return `${url.pathname}?${query}`;
}

/** The SAMLResponse form field for `xml`. */
export const encodeResponse = (xml: string) => Buffer.from(xml, "utf8").toString("base64");
