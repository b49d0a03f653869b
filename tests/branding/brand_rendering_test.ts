/**
 * The brand's pure parts: the stylesheet per theme (contrast kept in the dark theme), the mail footer and
 * header for mail built by lib/mail/layout.ts, for other HTML and for text-only mail, and the lenient reading
 * of settings.branding (a bad stored value never breaks a page).
 */
import assert from "node:assert/strict";
import { brandOf, stylesheetHash } from "@/lib/branding/brand.ts";
import { brandStylesheet, themeVariables } from "@/lib/branding/stylesheet.ts";
import { contrast, readableTint } from "@/lib/branding/colour.ts";
import { brandMail, MAIL_ACCENT } from "@/lib/branding/mail.ts";
import { verificationMail } from "@/lib/login/mail.ts";

const settings = {
  branding: {
    display_name: "Kopi <Senja>",
    primary_color: "#1D4ED8",
    theme: "dark",
    terms_url: "https://kopi.example/terms",
    support_email: "halo@kopi.example",
    logo: { sha256: "a".repeat(64), type: "image/webp", width: 80, height: 40 },
  },
};
const brand = brandOf({ id: "proj_abcdefghijklmnop", name: "kopi", settings });

Deno.test("brand — read from settings: name, hashed logo and stylesheet paths, links", () => {
  assert.equal(brand.name, "Kopi <Senja>");
  assert.equal(brand.logo?.url, `/branding/proj_abcdefghijklmnop/logo-${"a".repeat(64)}.webp`);
  const css = brandStylesheet(settings.branding as never)!;
  assert.equal(brand.stylesheetUrl, `/branding/proj_abcdefghijklmnop/style-${stylesheetHash(css)}.css`);
  assert.equal(brand.color, "#1d4ed8");
  const broken = brandOf({
    id: "proj_x",
    name: "Plain",
    settings: { branding: { primary_color: "url(evil)", terms_url: "javascript:x", theme: 3 } },
  });
  assert.deepEqual(broken, { projectId: "proj_x", name: "Plain", theme: "auto" }, "bad values are dropped");
  assert.equal(
    brandOf({ id: "proj_x", name: "Plain", settings: {} }).stylesheetUrl,
    undefined,
    "nothing to style",
  );
});

Deno.test("stylesheet — light uses the colour with white text; dark a tint that reads on the dark card", () => {
  for (const color of ["#1d4ed8", "#0b6e4f", "#8a1c4a", "#000000", "#595959"]) {
    const light = themeVariables(color, "light");
    assert.ok(contrast(light["--accent"], light["--accent-fg"]) >= 4.5);
    assert.ok(contrast(light["--accent"], light["--bg"]) >= 4.5, "links on the page");
    const dark = themeVariables(color, "dark");
    assert.ok(contrast(dark["--accent"], dark["--card"]) >= 4.5, `${color} links on the dark card`);
    assert.ok(contrast(dark["--accent"], dark["--bg"]) >= 4.5, `${color} links on the dark page`);
    assert.ok(contrast(dark["--accent"], dark["--accent-fg"]) >= 4.5, `${color} button text`);
  }
  assert.equal(readableTint("#ffffff", "#1c1d21"), "#ffffff");
  const auto = brandStylesheet({ primary_color: "#1d4ed8" })!;
  assert.match(auto, /^:root \{[^}]*--accent: #1d4ed8;[^}]*\}$/m);
  assert.match(auto, /@media \(prefers-color-scheme: dark\)/);
  assert.equal(brandStylesheet({ theme: "auto" }), null);
  assert.match(brandStylesheet({ theme: "light" })!, /color-scheme: light;/);
});

Deno.test("mail — the layout's slots get the name, logo and footer; the button takes the colour", () => {
  const mail = verificationMail("id", { name: "kopi", settings }, "https://astapa.example/auth/link?p=x&t=y");
  const branded = brandMail({ body_text: mail.body, body_html: mail.html }, brand, "https://astapa.example");
  assert.ok(mail.subject.includes("Kopi <Senja>"), "the display name in the subject");
  assert.match(
    branded.html!,
    /<img src="https:\/\/astapa\.example\/branding\/proj_abcdefghijklmnop\/logo-a{64}\.webp"/,
  );
  assert.ok(branded.html!.includes("Kopi &#60;Senja&#62;"), "the name is escaped");
  assert.ok(!branded.html!.includes(MAIL_ACCENT), "the colour replaced Astapa's");
  assert.ok(branded.html!.includes("background:#1d4ed8"));
  assert.match(
    branded.html!,
    /Bantuan: <a href="mailto:halo@kopi\.example"/,
    "footer in the mail's language",
  );
  assert.match(
    branded.text,
    /\n--\nKopi <Senja>\nBantuan: halo@kopi\.example\nKetentuan: https:\/\/kopi\.example\/terms\n$/,
  );
  assert.equal(branded.replyTo, "halo@kopi.example");
});

Deno.test("mail — other HTML gets the brand at the body's edges; text-only mail gets the footer", () => {
  const other = brandMail(
    { body_text: "Receipt\n", body_html: "<html><body><p>Receipt</p></body></html>" },
    brand,
  );
  assert.match(other.html!, /^<html><body><div[^>]*>.*Kopi &#60;Senja&#62;.*<p>Receipt<\/p><p[^>]*>Kopi/);
  assert.ok(!other.html!.includes("<img"), "no logo without the deployment's address");
  const plain = brandMail({ body_text: "Kode pemulihan dipakai.", body_html: null }, brand);
  assert.equal(plain.html, null);
  assert.match(plain.text, /^Kode pemulihan dipakai\.\n\n--\nKopi <Senja>\nHelp: halo@kopi\.example/);
});
