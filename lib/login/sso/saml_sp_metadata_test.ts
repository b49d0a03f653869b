/** saml_sp_metadata — the SP metadata's keys: both uses per certificate, current first, before the ACS; namespaces. */
import assert from "node:assert/strict";
import { spMetadataXml } from "./saml_sp_metadata.ts";
import { samlServiceProvider } from "./saml_urls.ts";
import { xmldom } from "./saml_library.ts";
import { signingKey } from "@/tests/fakes/saml_idp.ts";

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const id = "sso_aaaaaaaaaaaaaaaaaaaaaaaa";
const sp = samlServiceProvider("https://astapa.example", id);

Deno.test("saml_sp_metadata — a rotation's two certificates, each for signing and encryption, current first", async () => {
  const [current, previous] = [await signingKey("CN=Current"), await signingKey("CN=Previous")];
  const xml = await spMetadataXml(id, sp, {
    sign_authn_requests: true,
    certificates: [current.certDer, previous.certDer],
  });
  const { DOMParser } = await xmldom();
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const descriptor = doc.getElementsByTagNameNS(MD, "SPSSODescriptor")[0];
  assert.equal(descriptor.getAttribute("AuthnRequestsSigned"), "true");
  assert.equal(descriptor.getAttribute("WantAssertionsSigned"), "true");
  const children = Array.from(descriptor.childNodes).filter((n) => n.nodeType === 1) as unknown as Element[];
  const keys = children.filter((e) => e.localName === "KeyDescriptor" && e.namespaceURI === MD);
  assert.deepEqual(
    keys.map((k) => [k.getAttribute("use"), k.getElementsByTagNameNS(DS, "X509Certificate")[0].textContent]),
    [
      ["signing", current.certDer],
      ["encryption", current.certDer],
      ["signing", previous.certDer],
      ["encryption", previous.certDer],
    ],
  );
  assert.deepEqual(
    children.slice(0, 4),
    keys,
    "KeyDescriptors open the descriptor, as the schema orders them",
  );
  const methods = Array.from(keys[1].getElementsByTagNameNS(MD, "EncryptionMethod")).map((m) =>
    m.getAttribute("Algorithm")
  );
  assert.ok(methods.includes("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"));
  assert.ok(!methods.some((m) => /rsa-1_5|tripledes|aes128-cbc/.test(m ?? "")));
  assert.equal(keys[0].getElementsByTagNameNS(MD, "EncryptionMethod").length, 0, "none on a signing key");
});

Deno.test("saml_sp_metadata — no key yet (a connection from before keys): no KeyDescriptor, unsigned requests", async () => {
  const xml = await spMetadataXml(id, sp, { sign_authn_requests: false, certificates: [] });
  assert.doesNotMatch(xml, /KeyDescriptor/);
  assert.match(xml, /AuthnRequestsSigned="false"/);
  assert.ok(xml.includes(`Location="${sp.acs_url}"`));
});
