/** saml_sp_key — a connection's key pair: a valid certificate for its key, sealed to its project and key id. */
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { makeSpKey, openSpKeys } from "./saml_sp_key.ts";

const keys = await deriveMasterKeys("a master secret of at least thirty-two characters");
const other = await deriveMasterKeys("another master secret, also thirty-two characters long");

Deno.test("saml_sp_key — RSA 2048, a self-signed certificate of that key valid five years, opened by its project", async () => {
  const key = await makeSpKey(keys.social, "proj_a");
  assert.match(key.id, /^spk_[a-z2-7]{24}$/);
  assert.match(key.privateKeySealed, /^[A-Za-z0-9_-]+$/);
  const certificate = new X509Certificate(Uint8Array.from(atob(key.certificate), (c) => c.charCodeAt(0)));
  assert.ok(certificate.verify(certificate.publicKey), "self-signed");
  assert.equal(certificate.subject, `CN=Astapa SAML service provider ${key.id}`);
  const years = (Date.parse(certificate.validTo) - Date.now()) / (365 * 86_400_000);
  assert.ok(years > 4.9 && years <= 5, String(years));
  const row = {
    id: key.id,
    state: "current" as const,
    certificate: key.certificate,
    private_key_sealed: key.privateKeySealed,
  };
  const [opened] = await openSpKeys(keys.social, "proj_a", { sp_keys: [row] });
  const privateKey = createPrivateKey(opened.privateKeyPem);
  assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(
    createPublicKey(privateKey).export({ format: "pem", type: "spki" }),
    certificate.publicKey.export({ format: "pem", type: "spki" }),
  );
  // Copied to another project's row, kept under another id, or opened with another master key: it does not open.
  await assert.rejects(openSpKeys(keys.social, "proj_b", { sp_keys: [row] }));
  await assert.rejects(
    openSpKeys(keys.social, "proj_a", { sp_keys: [{ ...row, id: "spk_" + "b".repeat(24) }] }),
  );
  await assert.rejects(openSpKeys(other.social, "proj_a", { sp_keys: [row] }));
  assert.notEqual(
    (await makeSpKey(keys.social, "proj_a")).certificate,
    key.certificate,
    "a fresh key each time",
  );
});
