import assert from "node:assert/strict";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { ConfigError, loadConfig } from "@/config.ts";
import { newAppleKey } from "@/tests/fakes/apple.ts";
import { appleClientSecret, applePem, deploymentAppleKey, isApplePrivateKey } from "./apple_key.ts";
import { SocialSignInError } from "./errors.ts";

Deno.test("apple key — the client secret: ES256, kid, iss = team, sub = Services ID, aud = issuer, five minutes", async () => {
  const key = await newAppleKey("TEAM000001", "KEY0000001");
  const secret = await appleClientSecret(
    "com.example.signin",
    { teamId: key.teamId, keyId: key.keyId, privateKey: key.privateKeyPem },
    "https://appleid.apple.com",
  );
  assert.deepEqual(decodeProtectedHeader(secret), { alg: "ES256", kid: "KEY0000001" });
  const { payload } = await jwtVerify(secret, key.publicKey, {
    algorithms: ["ES256"],
    issuer: "TEAM000001",
    subject: "com.example.signin",
    audience: "https://appleid.apple.com",
  });
  assert.equal(payload.exp! - payload.iat!, 300);
});

Deno.test("apple key — a PEM with its line breaks written as \\n imports; a key that does not is the operator's problem", async () => {
  const { privateKeyPem } = await newAppleKey();
  const oneLine = privateKeyPem.replaceAll("\n", "\\n");
  assert.equal(applePem(oneLine), privateKeyPem.trim());
  assert.equal(await isApplePrivateKey(oneLine), true);
  const notAKey = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IG5vdCBhIGtleQ==\n-----END PRIVATE KEY-----";
  assert.equal(await isApplePrivateKey(notAKey), false);
  const failure = await appleClientSecret(
    "com.x",
    { teamId: "T", keyId: "K", privateKey: notAKey },
    "https://a",
  )
    .then(() => null, (error) => error);
  assert.ok(failure instanceof SocialSignInError);
  assert.equal(failure.messageKey, "socialMisconfigured");
  assert.ok(!String(failure.cause).includes("c2VjcmV0"), "the key's text is not in the cause");
});

Deno.test("apple key — APPLE_* env: all four make the deployment key; a bad id is refused without echoing it", () => {
  const privateKeyPem = "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----";
  const env = {
    APPLE_CLIENT_ID: "com.example.signin",
    APPLE_TEAM_ID: "TEAM000001",
    APPLE_KEY_ID: "KEY0000001",
    APPLE_PRIVATE_KEY: privateKeyPem,
  };
  const config = loadConfig(env);
  assert.equal(config.apple.issuer, "https://appleid.apple.com");
  assert.deepEqual(deploymentAppleKey(config.apple), {
    teamId: "TEAM000001",
    keyId: "KEY0000001",
    privateKey: privateKeyPem,
  });
  assert.equal(deploymentAppleKey(loadConfig({ ...env, APPLE_KEY_ID: "" }).apple), null);
  assert.throws(() => loadConfig({ ...env, APPLE_TEAM_ID: "secret-team" }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /APPLE_TEAM_ID/);
    assert.ok(!error.message.includes("secret-team"));
    return true;
  });
  assert.throws(() => loadConfig({ ...env, APPLE_PRIVATE_KEY: "not a pem" }), /APPLE_PRIVATE_KEY/);
});
