import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { DOC_PAGES, type DocsNav, docsNav, readDoc, renderDoc } from "@/lib/docs.ts";
import { AppError } from "@/lib/http/errors.ts";
import { DocsFrame } from "@/components/docs/DocsFrame.tsx";

type DocData = { title: string; html: string; nav: DocsNav };

const notFound = () =>
  new AppError("not_found", { description: "There is no documentation page by that name." });

export const handler: Handlers<DocData> = {
  async GET(c) {
    const name = c.req.param("page") ?? "";
    // `/docs/tokens.md` is the page as written, for people and tools that read Markdown.
    if (name.endsWith(".md")) {
      const markdown = await readDoc(name.slice(0, -3));
      if (markdown === null) throw notFound();
      return c.body(markdown, 200, { "content-type": "text/markdown; charset=utf-8" });
    }
    const html = await renderDoc(name);
    if (html === null) throw notFound();
    const title = DOC_PAGES.find((doc) => doc.slug === name)!.title;
    return page({ title, html, nav: await docsNav(name) }, { title });
  },
};

/** One documentation page, rendered from docs/<page>.md (our own, trusted Markdown). */
export default function DocPageView({ data }: PageProps<DocData>) {
  return (
    <DocsFrame nav={data.nav}>
      <article class="docs prose">
        <p class="eyebrow">
          <a href="/docs">Documentation</a> · <a href={`/docs/${data.nav.current}.md`}>Markdown</a>
        </p>
        <div dangerouslySetInnerHTML={{ __html: data.html }} />
      </article>
    </DocsFrame>
  );
}
