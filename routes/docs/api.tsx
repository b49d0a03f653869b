import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { buildOpenApi } from "@/lib/openapi.ts";

type Field = { name: string; type: string; required: string; description?: string };
type Endpoint = {
  method: string;
  path: string;
  summary: string;
  description?: string;
  auth?: string;
  fields: Field[];
  responses: { status: string; description: string }[];
};
type ApiData = { endpoints: Endpoint[] };

type JsonSchema = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
};

/**
 * Flattens a request schema (an object, or a union of objects told apart by a constant such as grant_type)
 * into one field table; a field required by some variants only says which.
 */
function fieldsOf(schema: JsonSchema | undefined): Field[] {
  if (!schema) return [];
  const variants = schema.oneOf ?? schema.anyOf ?? [schema];
  const label = (variant: JsonSchema) =>
    String(Object.values(variant.properties ?? {}).find((prop) => prop.const !== undefined)?.const ?? "");
  const fields = new Map<string, { types: Set<string>; requiredBy: string[]; description?: string }>();
  for (const variant of variants) {
    for (const [name, prop] of Object.entries(variant.properties ?? {})) {
      const field = fields.get(name) ?? { types: new Set<string>(), requiredBy: [] };
      field.types.add(
        prop.const !== undefined
          ? JSON.stringify(prop.const)
          : prop.enum?.map((v) => JSON.stringify(v)).join(" | ") ?? prop.type ?? "any",
      );
      if ((variant.required ?? []).includes(name)) field.requiredBy.push(label(variant));
      field.description ??= prop.description;
      fields.set(name, field);
    }
  }
  return [...fields].map(([name, field]) => ({
    name,
    type: [...field.types].join(" | "),
    required: field.requiredBy.length === variants.length
      ? "yes"
      : field.requiredBy.length === 0
      ? "no"
      : `for ${field.requiredBy.join(", ")}`,
    description: field.description,
  }));
}

export const handler: Handlers<ApiData> = {
  async GET(c) {
    const doc = await buildOpenApi(c.var.deps.config.baseUrl);
    const endpoints: Endpoint[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, raw] of Object.entries(methods)) {
        const op = raw as {
          summary: string;
          description?: string;
          security?: Record<string, unknown>[];
          requestBody?: { content: Record<string, { schema: JsonSchema }> };
          responses: Record<string, { description: string }>;
        };
        const body = op.requestBody ? Object.values(op.requestBody.content)[0].schema : undefined;
        endpoints.push({
          method: method.toUpperCase(),
          path,
          summary: op.summary,
          description: op.description,
          auth: op.security ? Object.keys(op.security[0])[0] : undefined,
          fields: fieldsOf(body),
          responses: Object.entries(op.responses).map(([status, r]) => ({
            status,
            description: r.description,
          })),
        });
      }
    }
    return page({ endpoints }, { title: "API reference" });
  },
};

const AUTH = { clientBasic: "Client credentials (HTTP Basic or in the body)", bearer: "Bearer access token" };

/** A readable rendering of /api/openapi.json. */
export default function ApiReference({ data }: PageProps<ApiData>) {
  return (
    <article class="docs prose">
      <p class="eyebrow">
        <a href="/docs">Documentation</a>
      </p>
      <h1>API reference</h1>
      <p>
        Generated from the same schemas the endpoints validate with. Machine-readable:{" "}
        <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).
      </p>
      {data.endpoints.map((endpoint) => (
        <section class="endpoint" id={`${endpoint.method}-${endpoint.path}`}>
          <h2>
            <code>{endpoint.method} {endpoint.path}</code>
          </h2>
          <p>
            <strong>{endpoint.summary}.</strong> {endpoint.description}
          </p>
          {endpoint.auth && <p class="muted">Authentication: {AUTH[endpoint.auth as keyof typeof AUTH]}</p>}
          {endpoint.fields.length > 0 && (
            <table>
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
                    <td>{field.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ul>
            {endpoint.responses.map((response) => (
              <li>
                <code>{response.status}</code> {response.description}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </article>
  );
}
