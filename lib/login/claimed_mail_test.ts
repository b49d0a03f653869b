import assert from "node:assert/strict";
import { claimedMail, claimLines, claimNotice, Removed } from "./claimed_mail.ts";

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

Deno.test("claimedMail — each way says how the address was proven, in English and Indonesian", () => {
  const removed = Removed.parse({ password: 1, sessions: 1 });
  const reset = claimedMail("en", "Toko", removed, "reset");
  assert.equal(reset.subject, "Your email is confirmed for Toko");
  assert.match(reset.body, /^Hello,\n\nYou chose a new password for Toko with a link sent to this address/);
  assert.match(reset.body, /- the password it had before \(your new one stays\)\n- every other sign-in/);
  assert.match(reset.body, /If you did not just reset your password, contact the app's support\.\n$/);
  const resetId = claimedMail("id", "Toko", removed, "reset");
  assert.match(
    resetId.body,
    /Anda membuat kata sandi baru untuk Toko lewat tautan yang dikirim ke alamat ini/,
  );
  assert.match(resetId.body, /- kata sandi sebelumnya \(kata sandi baru Anda tetap berlaku\)/);
  assert.match(
    resetId.body,
    /Jika Anda tidak baru saja mengatur ulang kata sandi, hubungi dukungan aplikasi\./,
  );
  const passkey = claimedMail("en", "Toko", removed, "passkey_sign_up");
  assert.match(passkey.body, /You entered a code sent to this address to add a passkey on Toko/);
  assert.match(passkey.body, /- its password\n/);
  assert.match(passkey.body, /If you did not just add a passkey/);
  const passkeyId = claimedMail("id", "Toko", removed, "passkey_sign_up");
  assert.match(
    passkeyId.body,
    /Anda memasukkan kode yang dikirim ke alamat ini untuk menambahkan passkey di Toko/,
  );
  assert.match(passkeyId.body, /Jika Anda tidak baru saja menambahkan passkey/);
  // The default, and claimNotice, keep the code sign-in's wording.
  assert.deepEqual(claimNotice("en", "Toko", "email_code")(removed), claimedMail("en", "Toko", removed));
  assert.match(claimedMail("id", "Toko", removed).body, /Anda masuk ke Toko dengan kode yang dikirim/);
});

Deno.test("claimedMail — every kind the claim counts has a line: consents, and codes under their kinds", () => {
  const en = claimedMail("en", "Toko", Removed.parse({ consents: 1 }));
  assert.match(en.body, /:\n\n- apps it had allowed to sign in without asking\n\n/);
  const id = claimedMail("id", "Toko", Removed.parse({ recovery_codes: 3, authorization_codes: 1 }));
  assert.match(id.body, /:\n\n- verifikasi dua langkah\n- semua sesi masuk lainnya/);
});

Deno.test("claimLines — a phone code's claim: said of the number, the unproven address listed, en and id", () => {
  const removed = Removed.parse({ password: 1, email: 1, sessions: 1 });
  const en = claimLines("en", "Toko", removed, "phone_code");
  assert.match(
    en.intro,
    /^You signed in to Toko with a code sent to your phone number, which confirms it is yours\./,
  );
  assert.deepEqual(en.items, [
    "its password",
    "an email address nobody had confirmed",
    "every other sign-in (browsers and apps)",
  ]);
  assert.match(en.after, /If you did not just sign in, contact the app's support\.$/);
  const id = claimLines("id", "Toko", removed, "phone_code");
  assert.match(id.intro, /ke nomor HP Anda, jadi nomor ini terbukti milik Anda\. Sebelumnya nomor ini belum/);
  assert.ok(id.items.includes("alamat email yang belum pernah dikonfirmasi"));
  // The mail keeps its lines: the same words, whichever way.
  const mail = claimedMail("en", "Toko", removed, "reset");
  const lines = claimLines("en", "Toko", removed, "reset");
  assert.ok(mail.body.includes(lines.intro) && mail.body.includes(lines.after));
});

Deno.test("claimedMail — an address change and a half-done second step have their lines too", () => {
  const en = claimedMail("en", "Toko", Removed.parse({ email_changes: 1 }));
  assert.match(en.body, /:\n\n- a request to change the account's email address\n\n/);
  const id = claimedMail("id", "Toko", Removed.parse({ mfa_challenges: 1 }));
  assert.match(id.body, /:\n\n- semua sesi masuk lainnya \(peramban dan aplikasi\)\n\n/);
});

Deno.test("claimLines — organization memberships and invitations sent: listed, with how to rejoin, en and id", () => {
  const one = claimLines("en", "Toko", Removed.parse({ organizations: 1 }), "phone_code");
  assert.deepEqual(one.items, ["its membership of an organization"]);
  assert.match(
    one.after,
    /^If you set these up yourself, add them again from your account page\. To be in an/,
  );
  assert.match(one.after, /ask one of its admins to invite you\. If you did not just sign in/);
  const id = claimLines("id", "Toko", Removed.parse({ organizations: 3, invitations: 2 }), "email_code");
  assert.deepEqual(id.items, [
    "keanggotaannya di 3 organisasi",
    "undangan bergabung ke organisasi yang dikirim dari akun ini",
  ]);
  assert.match(id.after, /minta salah satu admin organisasi itu mengundang Anda\./);
  // Without a membership removed, no word about organizations.
  const none = claimLines("en", "Toko", Removed.parse({ invitations: 1 }), "reset");
  assert.deepEqual(none.items, ["invitations it had sent to join an organization"]);
  assert.doesNotMatch(none.after, /admins/);
});

Deno.test("claimLines — linked e-wallets and cards the claim unlinked: one or many, en and id, on the phone page too", () => {
  const one = claimLines("en", "Toko", Removed.parse({ payment_methods: 1 }), "phone_code");
  assert.deepEqual(one.items, ["an e-wallet or card linked to pay renewals (it will not be charged)"]);
  const many = claimLines("en", "Toko", Removed.parse({ payment_methods: 2, password: 1 }), "email_code");
  assert.deepEqual(many.items, [
    "its password",
    "2 e-wallets or cards linked to pay renewals (none will be charged)",
  ]);
  const id = claimedMail("id", "Toko", Removed.parse({ payment_methods: 1 }), "reset");
  assert.match(
    id.body,
    /:\n\n- sebuah e-wallet atau kartu yang ditautkan untuk membayar perpanjangan \(tidak akan ditagih\)\n\n/,
  );
  const idMany = claimLines("id", "Toko", Removed.parse({ payment_methods: 3 }), "phone_code");
  assert.deepEqual(idMany.items, [
    "3 e-wallet atau kartu yang ditautkan untuk membayar perpanjangan (tidak ada yang akan ditagih)",
  ]);
  assert.match(
    one.after,
    /page\. To renew automatically, link your e-wallet or card again on the billing page\./,
  );
  assert.match(
    idMany.after,
    /Untuk perpanjangan otomatis, tautkan lagi e-wallet atau kartu Anda di halaman tagihan\./,
  );
  const none = claimLines("en", "Toko", Removed.parse({ sessions: 1 }), "reset");
  assert.deepEqual(none.items, ["every other sign-in (browsers and apps)"], "none unlinked: no line");
  assert.doesNotMatch(none.after, /billing/);
});
