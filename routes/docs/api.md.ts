/** The API reference as Markdown: the same content as /docs/api, for people and tools that read Markdown. */
import type { Handlers } from "@/lib/router/routes.ts";
import { apiEndpoints, apiMarkdown } from "@/lib/docs_api.ts";

export const handler: Handlers = {
  async GET(c) {
    const baseUrl = c.var.deps.config.baseUrl;
    const markdown = apiMarkdown(await apiEndpoints(baseUrl), baseUrl);
    return c.body(markdown, 200, { "content-type": "text/markdown; charset=utf-8" });
  },
};
