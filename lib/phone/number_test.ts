/** lib/phone/number.ts — Indonesian habits accepted, malformed, premium-rate and odd numbers refused. */
import assert from "node:assert/strict";
import { maskPhone, parsePhone } from "./number.ts";

Deno.test("parsePhone — 0812…, 62812… and +62 812-… are one E.164 number in Indonesia", async () => {
  for (const typed of ["0812 3456 7890", "+62 812-3456-7890", "6281234567890", "(0812) 3456.7890"]) {
    assert.deepEqual(await parsePhone(typed), { e164: "+6281234567890", country: "ID" }, typed);
  }
});

Deno.test("parsePhone — other countries keep their own country", async () => {
  assert.deepEqual(await parsePhone("+65 8123 4567"), { e164: "+6581234567", country: "SG" });
});

Deno.test("parsePhone — malformed and too-short numbers are invalid", async () => {
  for (
    const typed of ["", "081234", "0812abc4567", "+62 812 3456 7890 1234 5678", "1".repeat(41), "+<script>"]
  ) {
    assert.deepEqual(await parsePhone(typed), { problem: "invalid" }, typed);
  }
});

Deno.test("parsePhone — premium-rate numbers cannot receive a code", async () => {
  assert.deepEqual(await parsePhone("+1 900 555 0100"), { problem: "not_mobile" });
  assert.deepEqual(await parsePhone("0809 1234567"), { problem: "not_mobile" });
});

Deno.test("maskPhone — shows the country code and the last four digits only", async () => {
  assert.equal(await maskPhone("+6281234567890"), "+62 •••• 7890");
});
