/**
 * The documentation site's frame: a sidebar with every page (the current one marked), a search box that
 * asks the server (GET /docs/search, no script, no outside service), the page itself, and links to the
 * previous and next page in reading order.
 */
import type { ComponentChildren } from "preact";
import type { DocsNav } from "@/lib/docs.ts";

export function DocsFrame({ nav, children }: { nav: DocsNav; children: ComponentChildren }) {
  return (
    <div class="docs-frame">
      <aside class="docs-sidebar">
        <form method="get" action="/docs/search" role="search" class="docs-search">
          <label for="docs-q">Search the docs</label>
          <div class="docs-search-row">
            <input id="docs-q" name="q" type="search" value={nav.query ?? ""} maxLength={200} />
            <button type="submit" class="button secondary">Search</button>
          </div>
        </form>
        <nav aria-label="Documentation">
          <ul>
            <li>
              <a
                href="/docs"
                aria-current={nav.current === "" && nav.query === undefined ? "page" : undefined}
              >
                Overview
              </a>
            </li>
            {nav.pages.map((doc) => (
              <li key={doc.slug}>
                <a href={`/docs/${doc.slug}`} aria-current={nav.current === doc.slug ? "page" : undefined}>
                  {doc.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div class="docs-main">
        {children}
        {(nav.previous || nav.next) && (
          <nav class="docs-pager" aria-label="Previous and next page">
            {nav.previous
              ? (
                <a href={`/docs/${nav.previous.slug}`} rel="prev">
                  <span class="muted">Previous</span> {nav.previous.title}
                </a>
              )
              : <span />}
            {nav.next && (
              <a href={`/docs/${nav.next.slug}`} rel="next">
                <span class="muted">Next</span> {nav.next.title}
              </a>
            )}
          </nav>
        )}
      </div>
    </div>
  );
}
