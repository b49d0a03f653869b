/** The passkey-removed mails: the key's name cleaned and capped, in the body only, escaped in the HTML. */
import assert from "node:assert/strict";
import {
  MAILED_NAME_LENGTH,
  mailedPasskeyName,
  passkeyRemovedByAdminMail,
  passkeyRemovedMail,
} from "./mail.ts";

Deno.test("passkey mail — a name loses control and format characters and is capped", () => {
  assert.equal(mailedPasskeyName("Laptop\r\nBcc: x@y.example\u0000\u202e"), "Laptop Bcc: x@y.example");
  assert.equal(mailedPasskeyName("  Kantor \t Rumah "), "Kantor Rumah");
  assert.equal(mailedPasskeyName("\u0007\u200b"), "Passkey", "nothing left: the default name");
  const long = mailedPasskeyName("🔑".repeat(200));
  assert.equal(Array.from(long).length, MAILED_NAME_LENGTH, "characters, never half a surrogate pair");
  assert.ok(long.endsWith("🔑…"));
});

Deno.test("passkey mail — the name is in the body, not the subject; escaped in the HTML", () => {
  for (
    const mail of [
      passkeyRemovedMail("en", "Toko", "<b>Laptop</b>"),
      passkeyRemovedMail("id", "Toko", "<b>Laptop</b>"),
      passkeyRemovedByAdminMail("Toko", "<b>Laptop</b>"),
    ]
  ) {
    assert.equal(mail.template, "passkey_removed");
    assert.doesNotMatch(mail.subject, /Laptop/);
    assert.match(mail.text, /“<b>Laptop<\/b>”/);
    assert.match(mail.html ?? "", /“&#60;b&#62;Laptop&#60;\/b&#62;”/);
    assert.doesNotMatch(mail.html ?? "", /<b>/);
  }
});
