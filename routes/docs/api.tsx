import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { apiEndpoints, AUTH_LABELS, type Endpoint } from "@/lib/docs_api.ts";
import { type DocsNav, docsNav, inlineMarkdown } from "@/lib/docs.ts";
import { DocsFrame } from "@/components/docs/DocsFrame.tsx";

type ApiData = { endpoints: Endpoint[]; nav: DocsNav };

export const handler: Handlers<ApiData> = {
  async GET(c) {
    const endpoints = await apiEndpoints(c.var.deps.config.baseUrl);
    return page({ endpoints, nav: await docsNav("api") }, { title: "API reference" });
  },
};

/** Descriptions are our own OpenAPI text, written as Markdown (`code`, links), so they render as such. */
/** A readable rendering of /api/openapi.json. */
export default function ApiReference({ data }: PageProps<ApiData>) {
  return (
    <DocsFrame nav={data.nav}>
      <article class="docs prose">
        <p class="eyebrow">
          <a href="/docs">Documentation</a>
        </p>
        <h1>API reference</h1>
        <p>
          Generated from the same schemas the endpoints validate with. Machine-readable:{" "}
          <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1); as Markdown:{" "}
          <a href="/docs/api.md">/docs/api.md</a>.
        </p>
        {data.endpoints.map((endpoint) => (
          <section class="endpoint" id={`${endpoint.method}-${endpoint.path}`}>
            <h2>
              <code>{endpoint.method} {endpoint.path}</code>
            </h2>
            <p>
              <strong dangerouslySetInnerHTML={{ __html: `${inlineMarkdown(endpoint.summary)}.` }} />{" "}
              {endpoint.description && (
                <span dangerouslySetInnerHTML={{ __html: inlineMarkdown(endpoint.description) }} />
              )}
            </p>
            {endpoint.auth && <p class="muted">Authentication: {AUTH_LABELS[endpoint.auth]}</p>}
            {endpoint.fields.length > 0 && (
              <table>
                <caption class="visually-hidden">Parameters of {endpoint.method} {endpoint.path}</caption>
                <thead>
                  <tr>
                    <th>Parameter</th>
                    <th>Type</th>
                    <th>Required</th>
                    <th>Notes</th>
                  </tr>
                </thead>
                <tbody>
                  {endpoint.fields.map((field) => (
                    <tr>
                      <td>
                        <code>{field.name}</code>
                      </td>
                      <td>{field.type}</td>
                      <td>{field.required}</td>
                      <td dangerouslySetInnerHTML={{ __html: inlineMarkdown(field.description ?? "") }} />
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <ul>
              {endpoint.responses.map((response) => (
                <li>
                  <code>{response.status}</code>{" "}
                  <span dangerouslySetInnerHTML={{ __html: inlineMarkdown(response.description) }} />
                </li>
              ))}
            </ul>
          </section>
        ))}
      </article>
    </DocsFrame>
  );
}
