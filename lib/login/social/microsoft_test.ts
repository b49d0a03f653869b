import assert from "node:assert/strict";
import { microsoftIssuerRule, MSA_TENANT } from "./microsoft.ts";

const AUTHORITY = "https://login.microsoftonline.com";
const CONTOSO = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const TEMPLATE = `${AUTHORITY}/{tenantid}/v2.0`;

Deno.test("microsoft issuer — discovery: the template for common and organizations, a fixed tenant exactly", () => {
  for (const tenant of ["common", "organizations"]) {
    const rule = microsoftIssuerRule(AUTHORITY, tenant);
    assert.equal(rule.discovered(TEMPLATE), true);
    assert.equal(rule.discovered(`${AUTHORITY}/${CONTOSO}/v2.0`), false);
  }
  assert.equal(
    microsoftIssuerRule(AUTHORITY, "consumers").discovered(`${AUTHORITY}/${MSA_TENANT}/v2.0`),
    true,
  );
  assert.equal(microsoftIssuerRule(AUTHORITY, "consumers").discovered(TEMPLATE), false);
  const fixed = microsoftIssuerRule(AUTHORITY, CONTOSO.toUpperCase());
  assert.equal(fixed.discovered(`${AUTHORITY}/${CONTOSO}/v2.0`), true);
  assert.equal(fixed.discovered(`${AUTHORITY}/${MSA_TENANT}/v2.0`), false);
  const domain = microsoftIssuerRule(AUTHORITY, "contoso.com");
  assert.equal(domain.discovered(`${AUTHORITY}/${CONTOSO}/v2.0`), true);
  for (const other of [TEMPLATE, `https://evil.example/${CONTOSO}/v2.0`, `${AUTHORITY}/contoso.com/v2.0`]) {
    assert.equal(domain.discovered(other), false, other);
  }
});

Deno.test("microsoft issuer — an ID token's: the template with its own tid, else the discovered issuer", () => {
  const common = microsoftIssuerRule(AUTHORITY, "common");
  assert.equal(common.idToken(TEMPLATE, { tid: CONTOSO }), `${AUTHORITY}/${CONTOSO}/v2.0`);
  // No tid, or one that is no tenant ID: the template itself, which no token's iss is.
  for (const tid of [undefined, 42, "contoso.com", `${CONTOSO}/x`]) {
    assert.equal(common.idToken(TEMPLATE, { tid }), TEMPLATE);
  }
  const fixed = microsoftIssuerRule(AUTHORITY, CONTOSO);
  assert.equal(
    fixed.idToken(`${AUTHORITY}/${CONTOSO}/v2.0`, { tid: MSA_TENANT }),
    `${AUTHORITY}/${CONTOSO}/v2.0`,
  );
});
