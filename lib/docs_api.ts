/**
 * The API reference's content: every endpoint of the OpenAPI document flattened into what a reader needs
 * (method, path, summary, description, fields, responses), for the /docs/api page and its Markdown twin
 * /docs/api.md (for people and tools that read Markdown).
 */
import { buildOpenApi } from "@/lib/openapi.ts";

export type Field = { name: string; type: string; required: string; description?: string };
export type Endpoint = {
  method: string;
  path: string;
  summary: string;
  description?: string;
  auth?: string;
  fields: Field[];
  responses: { status: string; description: string }[];
};

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

/** The endpoints of this deployment's OpenAPI document, in the document's order. */
export async function apiEndpoints(baseUrl: string): Promise<Endpoint[]> {
  const doc = await buildOpenApi(baseUrl);
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
  return endpoints;
}

export const AUTH_LABELS: Record<string, string> = {
  clientBasic: "Client credentials (HTTP Basic or in the body)",
  bearer: "Bearer access token",
};

/** The reference as one Markdown document (descriptions are Markdown already). */
export function apiMarkdown(endpoints: Endpoint[], baseUrl: string): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n+/g, " ");
  const lines = [
    "# API reference",
    "",
    `Generated from the schemas the endpoints validate with. Machine-readable: ${baseUrl}/api/openapi.json (OpenAPI 3.1).`,
  ];
  for (const endpoint of endpoints) {
    lines.push(
      "",
      `## ${endpoint.method} ${endpoint.path}`,
      "",
      `**${endpoint.summary}.** ${endpoint.description ?? ""}`.trim(),
    );
    if (endpoint.auth) lines.push("", `Authentication: ${AUTH_LABELS[endpoint.auth] ?? endpoint.auth}`);
    if (endpoint.fields.length > 0) {
      lines.push("", "| Parameter | Type | Required | Notes |", "| --- | --- | --- | --- |");
      for (const field of endpoint.fields) {
        lines.push(
          `| \`${field.name}\` | ${cell(field.type)} | ${field.required} | ${
            cell(field.description ?? "")
          } |`,
        );
      }
    }
    lines.push("");
    for (const response of endpoint.responses) {
      lines.push(`- \`${response.status}\` ${cell(response.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
