import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { type DocsNav, docsNav } from "@/lib/docs.ts";
import { DocsFrame } from "@/components/docs/DocsFrame.tsx";

export const handler: Handlers<DocsNav> = {
  GET: async () => page(await docsNav(""), { title: "Documentation" }),
};

/** The table of contents of the documentation. */
export default function DocsIndex({ data }: PageProps<DocsNav>) {
  return (
    <DocsFrame nav={data}>
      <section class="docs">
        <p class="eyebrow">Documentation</p>
        <h1>Build with Astapa</h1>
        <p>
          New here? Start with the{" "}
          <a href="/docs/quick-start">Quick start</a>. Every page is also plain Markdown: add <code>.md</code>
          {" "}
          to its address.
        </p>
        <ul class="doc-list">
          {data.pages.map((doc) => (
            <li>
              <a href={`/docs/${doc.slug}`}>{doc.title}</a>
              <span class="muted">{doc.summary}</span>
            </li>
          ))}
        </ul>
      </section>
    </DocsFrame>
  );
}
