/**
 * Pages: a route's handler returns `page(data)` and the router renders the route's default-exported
 * component with that data inside the shared layout.
 */
import type { ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import type { Ctx } from "../app_env.ts";
import { Layout } from "@/components/Layout.tsx";

const PAGE = Symbol("page");

export type PageResult<D> = { [PAGE]: true; data: D; title?: string; status?: number; lang?: string };
export type PageProps<D = undefined> = { data: D; url: URL; params: Record<string, string> };

/** Marks handler output as page data for the route's component. */
export function page<D>(
  data: D,
  options: { title?: string; status?: number; lang?: string } = {},
): PageResult<D> {
  return { [PAGE]: true, data, ...options };
}

/** Renders a page component inside the layout to a complete HTML response. */
export function renderPage<D>(
  c: Ctx,
  Component: ComponentType<PageProps<D>>,
  result: PageResult<D>,
): Response {
  const props: PageProps<D> = { data: result.data, url: new URL(c.req.url), params: c.req.param() };
  const html = renderToString(
    <Layout
      title={result.title}
      lang={result.lang ?? c.var.dashboardLang}
      clientScript={c.var.deps.assets.clientScript}
      brand={c.var.brand}
    >
      <Component {...props} />
    </Layout>,
  );
  return c.html(`<!doctype html>${html}`, (result.status ?? 200) as 200);
}
