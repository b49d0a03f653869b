/**
 * The documentation site: the Markdown files in docs/, rendered on the server in the hosted pages' look.
 * Only pages listed here are served, so a URL can never name another file.
 */
import { Marked } from "marked";

export type DocPage = { slug: string; title: string; summary: string };

export const DOC_PAGES: DocPage[] = [
  { slug: "quick-start", title: "Quick start", summary: "The three steps: project, hosted login, tokens." },
  {
    slug: "tokens",
    title: "Tokens",
    summary: "Endpoints, JWT claims, lifetimes, rotation, revocation, errors.",
  },
  {
    slug: "sdk",
    title: "SDK",
    summary: "createAstapa(): sign-in, verification and plan gates in a few lines.",
  },
  { slug: "hosted-login", title: "Hosted login", summary: "Sign-up, sign-in, verification, password reset." },
  { slug: "social-login", title: "Google and GitHub", summary: "Social sign-in on the hosted login." },
  {
    slug: "mfa",
    title: "Second factor",
    summary: "Authenticator apps, recovery codes, policy, step-up, amr.",
  },
  { slug: "passkeys", title: "Passkeys", summary: "Passkey sign-in, autofill, and managing them." },
  {
    slug: "plans",
    title: "Plans and the Claims API",
    summary: "Tiers, subscriptions, claims, app webhooks.",
  },
  { slug: "payments", title: "Payments", summary: "QRIS, GoPay, OVO and bank transfer through Xendit." },
  { slug: "billing", title: "Billing", summary: "Free trials, plan changes with proration, coupons." },
  {
    slug: "receipts",
    title: "Receipts, PPN and refunds",
    summary: "Numbered receipts, PPN for a PKP, NPWP/NIK, refunds through Xendit.",
  },
  { slug: "mcp", title: "MCP auth", summary: "Machine clients, scopes, resources, MCP servers." },
  { slug: "dashboard", title: "Dashboard", summary: "Developers, projects, going live." },
  {
    slug: "migrating",
    title: "Moving users in and out",
    summary: "Import from Auth0, Supabase, Clerk, Firebase, Django with passwords; export.",
  },
  {
    slug: "project-settings",
    title: "Project settings",
    summary: "Origins, lifetimes, providers, Xendit keys, going live, deletion.",
  },
  { slug: "security", title: "Security", summary: "Threat model, defaults, and the tests that hold them." },
  {
    slug: "identity",
    title: "Projects, users and claims",
    summary: "How tenants and users are kept in Postgres.",
  },
  {
    slug: "database",
    title: "The database, for DBAs",
    summary: "Where the SQL lives: schema.sql, db/api, migrations; how to change it.",
  },
  {
    slug: "self-hosting",
    title: "Self-hosting",
    summary: "Configuration, Postgres, several instances, migrations.",
  },
  { slug: "performance", title: "Performance", summary: "What Astapa costs per token, measured." },
];

const DOCS_DIR = new URL("../docs/", import.meta.url);
const cache = new Map<string, string>();

/** Rendered HTML of a listed page, or null when it is not listed or not written yet. */
export async function renderDoc(slug: string): Promise<string | null> {
  if (!DOC_PAGES.some((page) => page.slug === slug)) return null;
  const cached = cache.get(slug);
  if (cached !== undefined) return cached;
  let markdown: string;
  try {
    markdown = await Deno.readTextFile(new URL(`${slug}.md`, DOCS_DIR));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const html = await markdownToHtml(markdown);
  cache.set(slug, html);
  return html;
}

/** Links between docs (`tokens.md`, `docs/tokens.md#x`) become site links (`/docs/tokens#x`). */
export async function markdownToHtml(markdown: string): Promise<string> {
  const marked = new Marked({ gfm: true });
  marked.use({
    walkTokens(token) {
      if (token.type === "link") {
        token.href = token.href.replace(/^(?:\.\/|docs\/)?([a-z0-9-]+)\.md(#.*)?$/, "/docs/$1$2");
      }
    },
  });
  return await marked.parse(markdown);
}

/** Pages that exist on disk, in reading order. */
export async function availableDocs(): Promise<DocPage[]> {
  const present = await Promise.all(
    DOC_PAGES.map((page) => Deno.stat(new URL(`${page.slug}.md`, DOCS_DIR)).then(() => true, () => false)),
  );
  return DOC_PAGES.filter((_, i) => present[i]);
}
