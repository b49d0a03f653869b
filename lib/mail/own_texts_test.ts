import assert from "node:assert/strict";
import { fillPlaceholders, MAIL_TEXT_KINDS, type MailTextKind, ownMailTexts } from "./own_texts.ts";
import { composedPreview, previewMail, type PreviewProject, SAMPLE } from "./previews.ts";

const KINDS = Object.keys(MAIL_TEXT_KINDS) as MailTextKind[];
const BASE = "https://astapa.example";

const project = (settings: Record<string, unknown> = {}): PreviewProject => ({
  project_id: "proj_test",
  name: "Toko",
  settings,
  client_id: "client_test",
  redirect_uris: ["https://app.example/cb"],
});

/** Own texts for every kind in both languages, marked with kind and language, every placeholder used. */
function ownTexts(langs: ("en" | "id")[] = ["en", "id"]) {
  return Object.fromEntries(KINDS.map((kind) => [
    kind,
    Object.fromEntries(langs.map((lang) => [lang, {
      subject: `S ${kind} ${lang} {app}`,
      intro: `I ${kind} ${lang} ${MAIL_TEXT_KINDS[kind].placeholders.map((p) => `[{${p}}]`).join(" ")}`,
      closing: `C ${kind} ${lang}`,
    }])),
  ]));
}

const lastParagraph = (text: string) => text.trim().split("\n\n").at(-1)!;

/** Mails sent in English then Indonesian at once (the sender does not know the person's language). */
const BOTH_LANGUAGES = new Set<MailTextKind>([
  "passkey_removed_by_admin",
  "renewal_due",
  "trial_ending",
  "organization_renewal_due",
  "receipt",
]);
/** Billing mails: their subjects name the plan or organization, and what stays Astapa's is the link and amounts. */
const BILLING = new Set<MailTextKind>(["renewal_due", "trial_ending", "organization_renewal_due", "receipt"]);

Deno.test("own mail texts — every kind has a preview, and uses Astapa's words when none are set", () => {
  for (const kind of KINDS) {
    for (const lang of ["en", "id"] as const) {
      const mail = composedPreview(kind, lang, project(), BASE);
      const named = BILLING.has(kind) ? [SAMPLE.plan, SAMPLE.organization] : ["Toko"];
      assert.ok(named.some((name) => mail.subject.includes(name)), `${kind}/${lang}: ${mail.subject}`);
      assert.doesNotMatch(mail.text, /\{\w+\}/, `${kind}/${lang}: no placeholder left`);
    }
  }
});

Deno.test("own mail texts — each kind uses the project's subject, intro and closing, in both languages", () => {
  const settings = { mail_texts: ownTexts() };
  for (const kind of KINDS) {
    for (const lang of ["en", "id"] as const) {
      // A mail in both languages at once shows both own texts.
      const shown = BOTH_LANGUAGES.has(kind) ? ["en", "id"] : [lang];
      const own = composedPreview(kind, lang, project(settings), BASE);
      const astapa = composedPreview(kind, lang, project(), BASE);
      for (const l of shown) {
        assert.ok(own.subject.includes(`S ${kind} ${l} Toko`), `${kind}/${lang} subject: ${own.subject}`);
        assert.ok(own.text.includes(`I ${kind} ${l} [Toko]`), `${kind}/${lang} intro: ${own.text}`);
        assert.ok(own.text.includes(`C ${kind} ${l}`), `${kind}/${lang} closing`);
        if (own.html) assert.ok(own.html.includes(`<p>C ${kind} ${l}</p>`), `${kind}/${lang} HTML closing`);
      }
      // Astapa's note ("if you did not ask…") and what the mail lists stay, whatever the project wrote; a
      // billing mail keeps its pay or receipt link and its amounts.
      const kept = BILLING.has(kind)
        ? astapa.text.split("\n").filter((line) =>
          line.startsWith("https://") || /: -?IDR [\d.]+$/.test(line)
        )
        : [lastParagraph(astapa.text)];
      for (const note of kept) assert.ok(own.text.includes(note), `${kind}/${lang} keeps Astapa's: ${note}`);
    }
  }
});

Deno.test("own mail texts — placeholders are the kind's values; the other language keeps Astapa's words", () => {
  const settings = { mail_texts: ownTexts(["en"]) };
  const code = composedPreview("email_code", "en", project(settings), BASE);
  assert.ok(code.text.includes(`I email_code en [Toko] [${SAMPLE.code}]`));
  const invite = composedPreview("organization_invitation", "en", project(settings), BASE);
  assert.ok(invite.text.includes(`[Toko] [${SAMPLE.organization}] [${SAMPLE.days}]`));
  const used = composedPreview("recovery_code_used", "en", project(settings), BASE);
  assert.ok(used.text.includes(`[${SAMPLE.remaining}]`));
  const removed = composedPreview("passkey_removed", "en", project(settings), BASE);
  assert.ok(removed.text.includes(`[${SAMPLE.passkey}]`));
  for (const kind of KINDS.filter((k) => !BOTH_LANGUAGES.has(k))) {
    const id = composedPreview(kind, "id", project(settings), BASE);
    assert.deepEqual(id, composedPreview(kind, "id", project(), BASE), `${kind}: id untouched`);
  }
  // In a mail of both languages, the Indonesian half keeps Astapa's words beside the project's English.
  for (const kind of BILLING) {
    const both = composedPreview(kind, "en", project(settings), BASE);
    const astapas = composedPreview(kind, "en", project(), BASE);
    assert.ok(both.text.includes(`I ${kind} en [Toko]`), kind);
    assert.equal(
      lastParagraph(both.text),
      lastParagraph(astapas.text),
      `${kind}: its Indonesian half untouched`,
    );
  }
  const renewal = composedPreview("renewal_due", "en", project(settings), BASE);
  assert.ok(renewal.text.includes(`[Toko] [${SAMPLE.plan}] [IDR 111.000] [1 January 2027]`), renewal.text);
  const team = composedPreview("organization_renewal_due", "en", project(settings), BASE);
  assert.ok(team.text.includes(`[${SAMPLE.organization}] [${SAMPLE.seats}]`), team.text);
  const receipt = composedPreview("receipt", "en", project(settings), BASE);
  assert.ok(receipt.text.includes("[2027/000123] [IDR 111.000]"), receipt.text);
});

Deno.test("own mail texts — markup in a text is plain in the text part and escaped in the HTML part", () => {
  const evil = `<img src=x onerror=alert(1)> & "quoted" {app}`;
  const settings = {
    mail_texts: { email_code: { en: { intro: evil, closing: `</p><script>x()</script>` } } },
  };
  const mail = composedPreview("email_code", "en", { ...project(settings), name: "<b>Toko</b>" }, BASE);
  assert.ok(mail.text.includes(`<img src=x onerror=alert(1)> & "quoted" <b>Toko</b>`));
  assert.ok(
    mail.html!.includes("&#60;img src=x onerror=alert(1)&#62; &#38; &#34;quoted&#34; &#60;b&#62;Toko"),
  );
  assert.ok(mail.html!.includes("<p>&#60;/p&#62;&#60;script&#62;x()&#60;/script&#62;</p>"));
  assert.doesNotMatch(mail.html!, /<img|<script|<b>/);
});

Deno.test("own mail texts — a value never brings a line break into a subject; unknown placeholders stay", () => {
  assert.equal(fillPlaceholders("{app} {code} {nope}", { app: "A\r\nBcc: x", code: 1 }), "A Bcc: x 1 {nope}");
  const own = ownMailTexts(
    { mail_texts: { email_code: { en: { subject: "Join {app}" } } } },
    "email_code",
    "en",
    {
      app: "Evil\nBcc: victim@example.com",
    },
  );
  assert.equal(own.subject, "Join Evil Bcc: victim@example.com");
  // Settings of another shape (never saved by SQL) are ignored rather than mailed.
  assert.deepEqual(ownMailTexts({ mail_texts: "x" }, "email_code", "en", { app: "A" }), {});
});

Deno.test("own mail texts — the preview carries the project's brand as the sender adds it", () => {
  const settings = { branding: { display_name: "Kopi Kita", primary_color: "#7a2e0e" } };
  const mail = previewMail("verify_email", "id", project(settings), BASE);
  assert.ok(mail.subject.includes("Kopi Kita"));
  assert.ok(mail.html!.includes("background:#7a2e0e"));
  assert.match(mail.text, /--\nKopi Kita\n$/);
});
