import assert from "node:assert/strict";
import { claimedMail, Removed } from "./claimed_mail.ts";

Deno.test("claimedMail — lists only the kinds removed, in English and Indonesian, HTML escaped", () => {
  const removed = Removed.parse({
    password: 1,
    passkeys: 2,
    factors: 0,
    identities: 1,
    sessions: 0,
    refresh_tokens: 0,
  });
  const en = claimedMail("en", "Toko <Kita>", removed);
  assert.equal(en.kind, "account_claimed");
  assert.equal(en.subject, "Your email is confirmed for Toko <Kita>");
  assert.match(en.body, /- its password\n- 2 passkeys\n- linked Google or GitHub sign-in\n\n/);
  assert.doesNotMatch(en.body, /two-step|phone|every other sign-in/);
  assert.match(en.html, /Toko &#60;Kita&#62;/);
  assert.doesNotMatch(en.html, /<Kita>/);
  const id = claimedMail("id", "Toko", Removed.parse({ phone_number: 1, sessions: 1 }));
  assert.equal(id.subject, "Email Anda terkonfirmasi untuk Toko");
  assert.match(id.body, /- nomor telepon yang belum pernah dikonfirmasi\n- semua sesi masuk lainnya/);
  assert.match(id.html, /^<!doctype html><html lang="id">/);
  const device = claimedMail("en", "Toko", Removed.parse({ device_authorizations: 1 }));
  assert.match(device.body, /- every other sign-in \(browsers and apps\)\n\n/, "an approved device too");
});
