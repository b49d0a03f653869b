/** saml_metadata — reading an IdP's metadata: rotations, EntitiesDescriptor, the POST binding's URL, SLO, refusals. */
import assert from "node:assert/strict";
import { readIdpMetadata, ssoUrlProblem } from "./saml_metadata.ts";
import { signingKey } from "@/tests/fakes/saml_idp.ts";

const fresh = await signingKey("CN=New");
const old = await signingKey("CN=Old", new Date("2020-01-01"), new Date("2021-01-01"));
const key = (k: { certDer: string }, use = ' use="signing"') =>
  `<md:KeyDescriptor${use}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n${
    k.certDer.match(/.{1,64}/g)!.join("\n")
  }\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
const entity = (keys: string, services: string, id = "https://idp.example/saml") =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${id}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}${services}</md:IDPSSODescriptor></md:EntityDescriptor>`;
const redirect =
  '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/r"/>';
const post =
  '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/p"/>';

Deno.test("saml_metadata — a rotation keeps the valid certificates (an expired one left out), whitespace dropped", async () => {
  const read = await readIdpMetadata(entity(key(old) + key(fresh) + key(fresh, ""), post + redirect));
  assert.deepEqual(read, {
    entityId: "https://idp.example/saml",
    ssoUrl: "https://idp.example/r",
    certificates: [fresh.certDer],
    sloUrl: "",
  });
});

Deno.test("saml_metadata — the SingleLogoutService for HTTP-Redirect (not POST's), https only", async () => {
  const slo = (binding: string, location: string) =>
    `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${location}"/>`;
  const both = slo("HTTP-POST", "https://idp.example/slo-post") +
    slo("HTTP-Redirect", "https://idp.example/slo");
  const read = await readIdpMetadata(entity(key(fresh), both + redirect));
  assert.equal((read as { sloUrl: string }).sloUrl, "https://idp.example/slo");
  const postOnly = await readIdpMetadata(
    entity(key(fresh), slo("HTTP-POST", "https://idp.example/p") + redirect),
  );
  assert.equal((postOnly as { sloUrl: string }).sloUrl, "");
  const plain = await readIdpMetadata(
    entity(key(fresh), slo("HTTP-Redirect", "http://idp.example/slo") + redirect),
  );
  assert.match(
    (plain as { problem: string }).problem,
    /SingleLogoutService: idp_slo_url must be an https URL/,
  );
});

Deno.test("saml_metadata — only the HTTP-POST binding: its URL; inside an EntitiesDescriptor; encryption keys ignored", async () => {
  const xml = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${
    entity(key(fresh) + key(old, ' use="encryption"'), post)
  }</md:EntitiesDescriptor>`;
  const read = await readIdpMetadata(xml);
  assert.ok(!("problem" in read), JSON.stringify(read));
  assert.deepEqual([read.ssoUrl, read.certificates], ["https://idp.example/p", [fresh.certDer]]);
});

Deno.test("saml_metadata — refusals say why", async () => {
  const problem = async (xml: string) => ((await readIdpMetadata(xml)) as { problem: string }).problem;
  assert.match(await problem(entity(key(old), redirect)), /expired on 2021-01-01/);
  assert.match(await problem(entity(key(old, ' use="encryption"'), redirect)), /no signing certificate/);
  assert.match(await problem(entity(key(fresh), "")), /no SingleSignOnService/);
  assert.match(await problem(entity(key(fresh), redirect, "")), /entityID/);
  assert.match(
    await problem(entity(key(fresh), redirect) + entity(key(fresh), redirect)),
    /could not be parsed/,
  );
  const two = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${
    entity(key(fresh), redirect) + entity(key(fresh), redirect, "https://b.example")
  }</md:EntitiesDescriptor>`;
  assert.match(await problem(two), /exactly one identity provider/);
  assert.match(await problem(`<?xml version="1.0"?><!DOCTYPE x>${entity(key(fresh), redirect)}`), /DOCTYPE/);
});

Deno.test("saml_metadata — the SSO URL: https, a query allowed, no credentials or fragment", () => {
  assert.equal(ssoUrlProblem("https://accounts.google.com/o/saml2/idp?idpid=C01"), null);
  assert.match(ssoUrlProblem("http://idp.example/sso")!, /https/);
  assert.equal(ssoUrlProblem("http://idp.example/sso", true), null);
  assert.match(ssoUrlProblem("https://u:p@idp.example/sso")!, /user name/);
  assert.match(ssoUrlProblem("https://idp.example/sso#x")!, /fragment/);
  assert.match(ssoUrlProblem("not a url")!, /not a URL/);
});
