import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { type DocsNav, docsNav } from "@/lib/docs.ts";
import { type DocHit, queryWords, searchDocs } from "@/lib/docs_search.ts";
import { DocsFrame } from "@/components/docs/DocsFrame.tsx";

const Query = z.object({ q: z.string().max(200).catch("") });

type SearchData = { query: string; searched: boolean; hits: DocHit[]; nav: DocsNav };

export const handler: Handlers<SearchData> = {
  async GET(c) {
    const { q } = Query.parse({ q: c.req.query("q") ?? "" });
    const query = q.trim();
    const hits = await searchDocs(query);
    return page(
      { query, searched: queryWords(query).length > 0, hits, nav: await docsNav("", query) },
      { title: query ? `Search: ${query}` : "Search the docs" },
    );
  },
};

/** Search results: each a section of a page (linked to its heading) with the words around the match. */
export default function DocsSearch({ data }: PageProps<SearchData>) {
  return (
    <DocsFrame nav={data.nav}>
      <section class="docs">
        <p class="eyebrow">
          <a href="/docs">Documentation</a>
        </p>
        <h1>Search the docs</h1>
        {!data.searched && <p>Type at least one word of two letters or more, for example “refresh token”.</p>}
        {data.searched && data.hits.length === 0 && (
          <p>
            Nothing in the docs holds every word of “{data.query}”. Try fewer or other words, or browse the
            {" "}
            <a href="/docs">list of pages</a>.
          </p>
        )}
        {data.hits.length > 0 && (
          <>
            <p role="status">
              {data.hits.length === 1 ? "One section" : `${data.hits.length} sections`}{" "}
              hold every word of “{data.query}”.
            </p>
            <ol class="doc-list search-hits">
              {data.hits.map((hit) => (
                <li>
                  <a href={`/docs/${hit.slug}${hit.anchor ? `#${hit.anchor}` : ""}`}>{hit.heading}</a>
                  <span class="muted">{hit.page}</span>
                  <span>{hit.excerpt}</span>
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
    </DocsFrame>
  );
}
