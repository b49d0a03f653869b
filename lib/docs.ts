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
  {
    slug: "social-login",
    title: "Google, Apple, GitHub and Microsoft",
    summary: "Social sign-in on the hosted login.",
  },
  {
    slug: "enterprise-sso",
    title: "Enterprise SSO",
    summary: "An organization signs its people in through its own OpenID Connect identity provider.",
  },
  {
    slug: "scim",
    title: "Directory provisioning (SCIM)",
    summary: "An organization's IdP creates and deprovisions its people over SCIM 2.0 (Okta, Entra ID).",
  },
  {
    slug: "mfa",
    title: "Second factor",
    summary: "Authenticator apps, recovery codes, policy, step-up, amr.",
  },
  { slug: "passkeys", title: "Passkeys", summary: "Passkey sign-in, autofill, and managing them." },
  {
    slug: "impersonation",
    title: "Signing in as a user",
    summary: "Support staff see the app as a user through a one-time link; every token names them (act).",
  },
  {
    slug: "anonymous-users",
    title: "Guests (anonymous users)",
    summary: "Anonymous sign-ins for a cart or a checkout before an address; limits and the sweep.",
  },
  {
    slug: "account",
    title: "The account page",
    summary: "People manage their own email, password, sessions, apps, data and deletion.",
  },
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
  {
    slug: "branding",
    title: "Branding",
    summary: "A project's name, logo, colour and links on hosted pages and mail.",
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

/** The listed page's Markdown as written, or null when it is not listed or not on disk. */
export async function readDoc(slug: string): Promise<string | null> {
  if (!DOC_PAGES.some((page) => page.slug === slug)) return null;
  try {
    return await Deno.readTextFile(new URL(`${slug}.md`, DOCS_DIR));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** The API reference is generated (routes/docs/api.tsx), not a Markdown file; it comes last. */
export const API_REFERENCE: DocPage = {
  slug: "api",
  title: "API reference",
  summary: "Every endpoint, its parameters and answers, from the OpenAPI document.",
};

/** What the docs frame shows around a page: the sidebar's pages, the current one, previous and next. */
export type DocsNav = {
  pages: DocPage[];
  current: string;
  previous?: DocPage;
  next?: DocPage;
  query?: string;
};

/**
 * The sidebar and pager for `current` (a slug, or "" for the index and search): the pages on disk in reading
 * order, then the API reference.
 */
export async function docsNav(current: string, query?: string): Promise<DocsNav> {
  const pages = [...await availableDocs(), API_REFERENCE];
  const at = pages.findIndex((page) => page.slug === current);
  if (at === -1) {
    return { pages, current, query, next: current === "" && query === undefined ? pages[0] : undefined };
  }
  return { pages, current, query, previous: pages[at - 1], next: pages[at + 1] };
}

/**
 * A heading's anchor: lower case, letters and digits joined by dashes (`Step 2: PKCE` → `step-2-pkce`). An
 * apostrophe joins (`The IdP's portal` → `the-idps-portal`) whether it comes as text (the search index reads the
 * Markdown) or as an entity (the page renders HTML), so both name the same anchor.
 */
export function headingId(text: string): string {
  return text.toLowerCase().replace(/<[^>]*>/g, "").replace(/&#39;|&apos;|['’]/g, "").replace(
    /&[a-z#0-9]+;/g,
    "",
  )
    .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Rendered HTML of a listed page, or null when it is not listed or not written yet. */
export async function renderDoc(slug: string): Promise<string | null> {
  const cached = cache.get(slug);
  if (cached !== undefined) return cached;
  const markdown = await readDoc(slug);
  if (markdown === null) return null;
  const html = await markdownToHtml(markdown);
  cache.set(slug, html);
  return html;
}

/**
 * Links between docs (`tokens.md`, `docs/tokens.md#x`) become site links (`/docs/tokens#x`); headings get
 * ids (search results and other pages link to them); code blocks can be scrolled with the keyboard (axe
 * `scrollable-region-focusable`).
 */
export async function markdownToHtml(markdown: string): Promise<string> {
  return await docsMarked().parse(markdown);
}

/** One Markdown line or short paragraph (an API description) as inline HTML. */
export function inlineMarkdown(markdown: string): string {
  return docsMarked().parseInline(markdown) as string;
}

function docsMarked(): Marked {
  const marked = new Marked({ gfm: true });
  marked.use({
    walkTokens(token) {
      if (token.type === "link") {
        token.href = token.href.replace(/^(?:\.\/|docs\/)?([a-z0-9-]+)\.md(#.*)?$/, "/docs/$1$2");
      }
    },
    renderer: {
      heading({ tokens, depth }) {
        const inner = this.parser.parseInline(tokens);
        return `<h${depth} id="${headingId(inner)}">${inner}</h${depth}>\n`;
      },
      code({ text, lang }) {
        const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
        const cls = lang ? ` class="language-${lang.replace(/[^a-z0-9-]/gi, "")}"` : "";
        return `<pre tabindex="0"><code${cls}>${escaped}</code></pre>\n`;
      },
    },
  });
  return marked;
}

/** Pages that exist on disk, in reading order. */
export async function availableDocs(): Promise<DocPage[]> {
  const present = await Promise.all(
    DOC_PAGES.map((page) => Deno.stat(new URL(`${page.slug}.md`, DOCS_DIR)).then(() => true, () => false)),
  );
  return DOC_PAGES.filter((_, i) => present[i]);
}
