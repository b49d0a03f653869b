/**
 * Every mail Astapa sends, rendered by Chromium as a phone (375 px) and a desktop (1280 px) mail client would:
 * no horizontal scroll on the phone (long links wrap), and the content at most 600 px wide on the desktop
 * (issue 29 item 13). Screenshots go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { resetMail, verificationMail } from "@/lib/login/mail.ts";
import { renewalMail } from "@/lib/payments/renewal_mail.ts";

Deno.test.afterAll(() => disconnectBrowser());

// A link far longer than the short ones Astapa mails, so that wrapping is what keeps the phone from scrolling.
const LONG_LINK = `https://auth.example/auth/link?p=proj_abcdefghijklmnop&t=${"x".repeat(43)}&padding=${
  "y".repeat(160)
}`;
const project = { name: "Toko Batik Nusantara Sejahtera", settings: {} };
const own = {
  name: "Warung",
  settings: {
    mail_texts: {
      verify_email: {
        id: { intro: "Satu langkah lagi sebelum Anda bisa memesan kopi di Warung Kopi Kenangan" },
      },
    },
  },
};
const MAILS: Record<string, string> = {
  "verify-en": verificationMail("en", project, LONG_LINK).html,
  "verify-id-own-intro": verificationMail("id", own, LONG_LINK).html,
  "reset-en": resetMail("en", project, LONG_LINK).html,
  "reset-id": resetMail("id", project, LONG_LINK).html,
  "renewal": renewalMail({
    to: "ayu@example.com",
    planName: "Pro Tahunan",
    amount: 1_250_000,
    periodStart: "2026-12-03T13:16:00Z",
    payUrl: LONG_LINK,
  }).html!,
};

for (const [name, html] of Object.entries(MAILS)) {
  Deno.test(`mail rendering — ${name}: no horizontal scroll at 375 px, at most 600 px wide at 1280 px`, async () => {
    const { page, close } = await openPage({ viewport: { width: 375, height: 800 } });
    try {
      await page.setContent(html);
      const phone = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      assert.ok(phone.scroll <= phone.client, `scrolls sideways: ${phone.scroll} > ${phone.client}`);
      await screenshot(page, `mail-${name}-375`);
      await page.setViewportSize({ width: 1280, height: 800 });
      const widest = await page.evaluate(() =>
        Math.max(...[...document.body.querySelectorAll("*")].map((el) => el.getBoundingClientRect().width))
      );
      assert.ok(widest <= 600, `content ${widest} px wide`);
      assert.ok(widest >= 500, `the frame uses the width it has (${widest} px)`);
    } finally {
      await close();
    }
  });
}
