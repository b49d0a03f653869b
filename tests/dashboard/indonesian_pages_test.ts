/**
 * The dashboard in Indonesian: each translated page, with Indonesian chosen, has its Indonesian heading and
 * navigation, and none of the English it used to carry (words moved into lib/dashboard/text/). The same pages
 * in English are the other dashboard tests'.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { DASHBOARD_LANG_COOKIE } from "@/lib/dashboard/i18n.ts";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { sendTestMail } from "@/db/billing.ts";
import { logPhoneMessage } from "@/db/phone.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "pemilik@toko.example");
const project = await seedProject(t.db.sql, { name: "Toko Ayu", redirectUri: "https://toko.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
const empty = await seedProject(t.db.sql, { name: "Toko Kosong" });
await addDeveloperTo(t, empty.id, owner.accountId, "owner");
await asApp(
  t.db.sql,
  project.id,
  (tx) => createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99000 }),
);
const ayu = await seedUser(t.db.sql, project.id, "ayu@example.com", { verified: true });
const base = `/dashboard/projects/${project.id}`;
// An organization with a SAML connection (saved before the IdP's metadata) and SCIM on, so the Organizations
// page draws its SSO, attribute-mapping and SCIM parts.
await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Tim Ayu', 'tim-ayu', null)`);
for (
  const [path, fields] of [
    ["sso", { organization: "tim-ayu", action: "save_saml", enabled: "on" }],
    ["scim", { organization: "tim-ayu", action: "enable" }],
  ] as const
) {
  const res = await postAs(t, owner, `${base}/organizations/${path}`, fields);
  assert.ok(res.status === 303 || res.status === 200, `${path}: ${res.status} ${await res.text()}`);
}

// A mail in the outbox (the Mail page and the sandbox inbox list it) and a phone message that failed.
await asApp(t.db.sql, project.id, (tx) =>
  sendTestMail(tx, project.id, {
    to: "ayu@example.com",
    subject: "Selamat datang",
    text: "https://toko.example/cb",
  }));
await logPhoneMessage(t.db.sql, project.id, {
  phoneNumber: "+6281255550002",
  channel: "sms",
  provider: "twilio_verify",
  status: "failed",
  error: "HTTP 403",
}, "10.0.0.1");

/** The page in Indonesian: its HTML and the words a person sees (no markup, scripts or island props). */
async function inIndonesian(path: string) {
  const res = await t.app.request(path, {
    headers: { accept: "text/html", cookie: `${owner.cookie}; ${DASHBOARD_LANG_COOKIE}=id` },
  });
  assert.equal(res.status, 200, path);
  const html = await res.text();
  assert.match(html, /<html lang="id"/, path);
  const seen = html
    .replace(/<(script|style|pre)\b[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
  return { html, seen };
}

/** The frame's English (as a whole element's text) that must be gone on every translated page. */
const FRAME_ENGLISH = [
  "Sign out",
  "Astapa dashboard",
  "Overview",
  "Audit log",
  "Machine clients",
  "Settings",
];

/** Each page: its heading, the English gone and (where a part is drawn only with data) Indonesian it now shows. */
const PAGES: {
  path: string;
  heading: string;
  navigation?: boolean;
  english: string[];
  indonesian?: string[];
}[] = [
  {
    path: "/dashboard",
    heading: "Proyek",
    english: ["Projects", "New project", "Your role", "signing keys", "owner"],
  },
  { path: "/dashboard/projects/new", heading: "Proyek baru", english: ["Create project", "(optional)"] },
  {
    path: base,
    heading: "Toko Ayu",
    navigation: true,
    english: [
      "Redirect URIs",
      "Rotate client secret",
      "Sandbox and production",
      "Integrate",
      "Your role here",
    ],
  },
  {
    path: `${base}/users`,
    heading: "Pengguna",
    navigation: true,
    english: ["Search users", "Environment", "verified", "guests only", "Next page"],
  },
  {
    path: `/dashboard/projects/${empty.id}/users`,
    heading: "Pengguna",
    navigation: true,
    english: ["users yet", "Add a redirect URI first", "import users"],
  },
  {
    path: `${base}/users/${ayu}`,
    heading: "ayu@example.com",
    navigation: true,
    english: [
      "Account",
      "Environment",
      "Last sign-in",
      "Second factor",
      "Token claims",
      "Assign a plan",
      "No hosted-login sessions",
      "Sign out everywhere",
      "Sign in as this user",
      "Password reset",
      "Edit the profile",
      "Save the profile",
      "Time zone",
      "Save the address",
      "Delete this user",
      "to confirm",
      "Ways to sign in",
      "Passkeys",
      "No passkeys",
      "No subscription",
      "Edit this user's claims",
      "Save claims",
      "Save metadata",
      "Nothing recorded yet",
      "Everything about this user",
      "Apps this user allowed",
      "Revoking ends",
      "Billing",
      "Trials",
      "Plan changes",
      "Linked e-wallets",
      "Renewal charges",
      "No payment yet",
      "Every receipt of this user",
    ],
    indonesian: [
      "Masuk sebagai pengguna ini",
      "Kirim reset kata sandi",
      "Ubah profil",
      "Hapus pengguna ini",
      "Cara masuk",
      "Simpan claim",
      "Simpan metadata",
      "Aplikasi yang diizinkan pengguna ini",
      "Tagihan perpanjangan",
    ],
  },
  {
    path: `${base}/plans`,
    heading: "Paket",
    navigation: true,
    english: ["No paid plans yet", "Subscribers", "New plan", "Create plan", "Billing interval", "per month"],
  },
  {
    path: `${base}/plans/pro`,
    heading: "Pro",
    navigation: true,
    english: ["Price", "Subscribers", "Save plan", "Make default", "Feature flags", "per month"],
  },
  {
    path: `${base}/payments`,
    heading: "Pembayaran",
    navigation: true,
    english: [
      "No payments yet",
      "Receipts and refunds",
      "Open the hosted plan picker",
      "How payments work",
      "Filter",
      "Sign-ups per day, last",
      "new sandbox user",
      "sign-ups",
      "Sign-ups as a table",
      "Revenue by payment method",
      "0 payments",
      "paid in the last",
      "Monthly recurring revenue",
      "paying customers",
      "MRR now",
      "MRR and churn as a table",
      "Direct debit",
    ],
    indonesian: [
      "Debit langsung",
      "Kartu",
      "Virtual account",
      "Pendaftaran per hari, 30 hari terakhir (sandbox)",
      "pengguna sandbox baru dari",
      "Pendaftaran dalam tabel",
      "dibayar dalam 30 hari terakhir",
      "Pendapatan berulang bulanan",
      "MRR dan churn dalam tabel",
    ],
  },
  {
    path: `${base}/receipts`,
    heading: "Kuitansi dan pengembalian dana",
    navigation: true,
    english: ["No receipts yet", "See payments", "Tax settings", "Seller address", "Save tax settings"],
  },
  {
    path: `${base}/settings`,
    heading: "Pengaturan",
    navigation: true,
    english: [
      "Allowed origins",
      "Token lifetimes",
      "Access token lifetime",
      "Rate limits",
      "Save origins",
      "Ways to sign in",
      "Offered on the hosted sign-in page",
      "Who may create an account",
      "Allowed email domains",
      "Guests (anonymous sign-ins)",
      "Keep an unused guest",
      "Second factor",
      "Save second-factor policy",
      "Bot protection",
      "Forms that ask for the check",
      "Sign-ins from mailed links",
      "Save initiate-login URI",
      "Signing out",
      "Latest logout tokens",
      "Automatic renewal",
      "Linked methods",
      "Renewals and trials",
      "Grace days",
      "Save renewal days",
      "Delete project",
      "Type the project name",
      "Delete this project",
      "How each mail to your users reads",
      "Sender name",
      "From address",
      "Closing line",
      "Email confirmation link",
      "Save mail",
      "Social sign-in",
      "Not offered",
      "client secret",
      "Use deployment default",
      "Callback URLs",
      "Server-to-server notification",
      "Xendit keys",
      "Test keys",
      "webhook verification token",
      "Save test keys",
      "Phone code providers",
      "Not set",
      "WhatsApp and SMS",
      "Remove (use",
    ],
    indonesian: [
      "Nama pengirim",
      "Tautan konfirmasi email setelah pendaftaran",
      "Kalimat penutup (Bahasa Indonesia)",
      "Masuk dengan akun sosial",
      "Pakai bawaan deployment",
      "Kunci uji (sandbox)",
      "Simpan kunci live",
      "Penyedia kode telepon",
      "Belum diisi: memakai milik deployment.",
    ],
  },
  {
    // The preview's ?lang= is the mail's language: the page stays in the developer's, the mail in English.
    path: `${base}/settings/mail-preview?kind=verify_email&lang=en`,
    heading: "Pratinjau email",
    navigation: true,
    english: [
      "Mail preview",
      "Language",
      "Text part",
      "HTML part",
      "Send me a test",
      "this project's outbox",
    ],
    indonesian: ["Tautan konfirmasi email setelah pendaftaran", "Bagian teks", "Kirimi saya email uji"],
  },
  {
    path: `${base}/members`,
    heading: "Anggota",
    navigation: true,
    english: ["Invite a developer", "reads everything", "Change role", "Remove", "active", "Role"],
    indonesian: ["Undang developer", "peninjau: membaca semuanya", "Ubah peran", "pemilik", "aktif"],
  },
  {
    path: `${base}/mail`,
    heading: "Email",
    navigation: true,
    english: [
      "What Astapa sends",
      "Bodies are never shown",
      "phone messages",
      "Mail stays",
      "Last error",
      "Filter",
    ],
    indonesian: ["Email tetap mengantre", "kotak masuk sandbox", "pesan telepon", "Galat terakhir"],
  },
  {
    path: `/dashboard/projects/${empty.id}/mail`,
    heading: "Email",
    navigation: true,
    english: ["No mail yet", "Which mail the hosted login sends", "Add a redirect URI first"],
    indonesian: ["Belum ada email", "Email apa saja yang dikirim hosted login"],
  },
  {
    path: `${base}/sandbox-inbox`,
    heading: "Kotak masuk sandbox",
    navigation: true,
    english: ["Sandbox inbox", "The newest mail", "not delivered", "To ayu@"],
    indonesian: ["Kepada ayu@example.com", "belum terkirim", "tidak punya SMTP_URL"],
  },
  {
    path: `${base}/phone-messages`,
    heading: "Pesan telepon",
    navigation: true,
    english: ["Phone messages", "Sign-in codes", "This is a sandbox project", "Channel", "Provider", "Cost"],
    indonesian: ["Kode masuk yang dikirim lewat WhatsApp atau SMS", "Kanal", "Penyedia", "Biaya"],
  },
  {
    path: `${base}/audit`,
    heading: "Log audit",
    navigation: true,
    english: ["Entries about", "Actor", "User (sub)", "Filter", "Details"],
    indonesian: ["Entri tentang pengguna mode lain", "Pelaku", "Rincian"],
  },
  {
    path: `${base}/audit?action=webhook.`,
    heading: "Log audit",
    navigation: true,
    english: ["No entries match"],
    indonesian: ["Tidak ada entri yang cocok."],
  },
  {
    path: `${base}/waitlist`,
    heading: "Daftar tunggu",
    navigation: true,
    english: ["Waitlist", "Waiting", "Approved", "Declined", "No waiting addresses"],
  },
  {
    path: "/dashboard/keys",
    heading: "Kunci penandatanganan",
    english: ["Signing keys", "Key id", "Activated", "Rotate now", "Rotate signing keys"],
  },
  {
    path: `${base}/coupons`,
    heading: "Kupon",
    navigation: true,
    english: ["No coupons yet", "New coupon", "percent off", "Maximum redemptions", "Create coupon"],
  },
  {
    path: `${base}/settings/branding`,
    heading: "Branding",
    navigation: true,
    english: ["Name, colour and links", "Display name", "Primary colour", "No logo yet", "Save branding"],
  },
  {
    path: `${base}/webhooks`,
    heading: "Webhook",
    navigation: true,
    english: [
      "No webhook endpoint yet",
      "Add an endpoint",
      "Events to receive",
      "Deliveries",
      "Add endpoint",
    ],
  },
  {
    path: `${base}/machine-clients`,
    heading: "Machine client",
    navigation: true,
    english: [
      "No machine clients yet",
      "New machine client",
      "Scopes it may ask for",
      "No scopes declared",
      "Agents that register themselves",
      "posts its metadata",
      "serving the client's metadata",
      "Registered clients people allowed",
      "None yet",
    ],
    indonesian: ["Agen yang mendaftarkan dirinya sendiri", "Client terdaftar yang diizinkan orang"],
  },
  {
    path: `${base}/organizations`,
    heading: "Organisasi",
    navigation: true,
    english: [
      "Teams of your app's users",
      "Open invitations",
      "members",
      "Team plan",
      "no limit",
      "Change SSO",
      "Set up SAML SSO",
      "waiting for the IdP's metadata",
      "give the IdP",
      "Roll the certificate",
      "Attributes and group roles",
      "the well-known names",
      "sign-ins change no role",
      "Replace the token",
      "Revoke the token",
      "New organization",
      "Create organization",
    ],
    indonesian: ["menunggu metadata IdP", "Ganti sertifikat", "Atribut dan peran grup", "Cabut token"],
  },
];

for (const { path, heading, navigation, english, indonesian = [] } of PAGES) {
  Deno.test(`dashboard in Indonesian — ${path.replace(/proj_[a-z2-7]+/, ":id")}: Indonesian heading, no English left`, async () => {
    const { html, seen } = await inIndonesian(path);
    assert.match(html, new RegExp(`<h1>${heading}`), "the heading");
    assert.match(seen, /Keluar/, "the frame's sign-out");
    if (navigation) {
      for (const section of ["Ringkasan", "Pengguna", "Paket", "Pembayaran", "Pengaturan"]) {
        assert.match(seen, new RegExp(section), section);
      }
    }
    const frame = [
      /<header class="dash-header">[\s\S]*?<\/header>/,
      /<nav class="project-nav"[\s\S]*?<\/nav>/,
    ]
      .map((part) => part.exec(html)?.[0] ?? "").join(" ");
    for (const word of FRAME_ENGLISH) {
      assert.ok(!frame.includes(`>${word}<`), `the frame's "${word}" is still in English on ${path}`);
    }
    for (const word of english) assert.ok(!seen.includes(word), `"${word}" is still in English on ${path}`);
    for (const word of indonesian) assert.ok(seen.includes(word), `"${word}" is not drawn on ${path}`);
  });
}

Deno.test("dashboard in Indonesian — dates are written the Indonesian way, rupiah as everywhere", async () => {
  const { seen } = await inIndonesian(`${base}/users/${ayu}`);
  assert.match(seen, /\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}, \d{2}\.\d{2} UTC/);
});
