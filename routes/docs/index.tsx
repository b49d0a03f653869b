import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { availableDocs, type DocPage } from "@/lib/docs.ts";

export const handler: Handlers<DocPage[]> = {
  GET: async () => page(await availableDocs(), { title: "Documentation" }),
};

/** The table of contents of the documentation. */
export default function DocsIndex({ data }: PageProps<DocPage[]>) {
  return (
    <section class="docs">
      <p class="eyebrow">Documentation</p>
      <h1>Build with Astapa</h1>
      <ul class="doc-list">
        {data.map((doc) => (
          <li>
            <a href={`/docs/${doc.slug}`}>{doc.title}</a>
            <span class="muted">{doc.summary}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
