/** saml_service.ts — the facts read from a verified assertion: attributes by their own names, whatever the name. */
import assert from "node:assert/strict";
import type { Profile } from "@node-saml/node-saml";
import { samlAssertionFacts } from "./saml_service.ts";

const assertion = (attributes: string) =>
  `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" IssueInstant="2026-12-07T00:00:00Z">
    <saml:Issuer>https://idp.example</saml:Issuer>
    <saml:Subject><saml:NameID>dewi@acme.test</saml:NameID></saml:Subject>
    <saml:AttributeStatement>${attributes}</saml:AttributeStatement>
  </saml:Assertion>`;
const attribute = (name: string, ...values: string[]) =>
  `<saml:Attribute Name="${name}">${
    values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join("")
  }</saml:Attribute>`;

Deno.test("samlAssertionFacts — an attribute named __proto__ or constructor is an attribute, not the map's prototype", async () => {
  const profile = {
    getAssertionXml: () =>
      assertion(
        attribute("__proto__", "admin") + attribute("constructor", "x") +
          attribute("email", "dewi@acme.test"),
      ),
  } as unknown as Profile;
  const facts = await samlAssertionFacts(profile);
  assert.ok(facts);
  assert.equal(Object.getPrototypeOf(facts.attributes), null);
  assert.deepEqual(Object.keys(facts.attributes).sort(), ["__proto__", "constructor", "email"]);
  assert.deepEqual(facts.attributes["__proto__"], ["admin"]);
  assert.deepEqual(facts.attributes.email, ["dewi@acme.test"]);
  assert.equal(facts.attributes["length"], undefined, "nothing inherited from an array");
});
