import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { DOC_PAGES, renderDoc } from "@/lib/docs.ts";
import { AppError } from "@/lib/http/errors.ts";

type DocData = { title: string; html: string };

export const handler: Handlers<DocData> = {
  async GET(c) {
    const slug = c.req.param("page") ?? "";
    const html = await renderDoc(slug);
    if (html === null) {
      throw new AppError("not_found", { description: "There is no documentation page by that name." });
    }
    const title = DOC_PAGES.find((doc) => doc.slug === slug)!.title;
    return page({ title, html }, { title });
  },
};

/** One documentation page, rendered from docs/<page>.md (our own, trusted Markdown). */
export default function DocPageView({ data }: PageProps<DocData>) {
  return (
    <article class="docs prose">
      <p class="eyebrow">
        <a href="/docs">Documentation</a>
      </p>
      <div dangerouslySetInnerHTML={{ __html: data.html }} />
    </article>
  );
}
