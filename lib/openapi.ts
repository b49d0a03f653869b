/**
 * The OpenAPI 3.1 document, generated from the zod schemas the handlers validate with. A route module
 * documents itself by exporting `openapi` (method → Operation) beside its `handler`.
 */
import { z } from "zod";
import { scanRoutes } from "./router/routes.ts";

export type Operation = {
  summary: string;
  description?: string;
  /** Still served, but replaced by another route: marked `deprecated: true` in the document. */
  deprecated?: boolean;
  tag: string;
  /** client: the project's client_id/secret (Basic or body); bearer: an access token. */
  auth?: "client" | "bearer";
  body?: { schema: z.ZodType; media: ("json" | "form")[] };
  query?: z.ZodObject;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
};
/** The JSON every API error answers with (lib/http/errors.ts). */
export const ErrorResponse = z.object({
  error: z.string().describe("A stable snake_case code from the error catalogue."),
  error_description: z.string(),
  fields: z.record(z.string(), z.array(z.string())).optional().describe("Field → problems (validation)."),
});

/** Responses most project-credential endpoints share. */
export const COMMON_ERRORS = {
  400: { description: "validation_failed (with fields) or invalid_request", schema: ErrorResponse },
  401: { description: "invalid_client", schema: ErrorResponse },
  404: { description: "not_found (also for another project's ids)", schema: ErrorResponse },
};

/**
 * What routes that call Xendit add: its refusal, its refusal of the project's API key, no connection, or no answer
 * within XENDIT_TIMEOUT_MS.
 */
export const PROVIDER_ERRORS = {
  502: {
    description:
      "payment_provider_error: Xendit refused the request or the project's API key (credentials), " +
      "could not be reached or did not answer in time",
    schema: ErrorResponse,
  },
};

export type RouteDoc = Partial<Record<"get" | "post" | "put" | "patch" | "delete", Operation>>;

const MEDIA = { json: "application/json", form: "application/x-www-form-urlencoded" } as const;
const ROUTES_DIR = new URL("../routes", import.meta.url).pathname;

const schema = (type: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(type, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
};

function operation(op: Operation) {
  return {
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.deprecated ? { deprecated: true } : {}),
    tags: [op.tag],
    ...(op.auth ? { security: [op.auth === "client" ? { clientBasic: [] } : { bearer: [] }] } : {}),
    ...(op.query
      ? {
        parameters: Object.entries(op.query.shape).map(([name, type]) => ({
          name,
          in: "query",
          required: !(type as z.ZodType).safeParse(undefined).success,
          schema: schema(type as z.ZodType),
        })),
      }
      : {}),
    ...(op.body
      ? {
        requestBody: {
          required: true,
          content: Object.fromEntries(
            op.body.media.map((media) => [MEDIA[media], { schema: schema(op.body!.schema) }]),
          ),
        },
      }
      : {}),
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, response]) => [
        status,
        {
          description: response.description,
          ...(response.schema
            ? { content: { "application/json": { schema: schema(response.schema) } } }
            : {}),
        },
      ]),
    ),
  };
}

/** Builds the document for a deployment; `issuer` is its server URL. */
export async function buildOpenApi(issuer: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of await scanRoutes(ROUTES_DIR)) {
    if (route.kind !== "route") continue;
    const mod: { openapi?: RouteDoc } = await import(new URL(`file://${route.file}`).href);
    if (!mod.openapi) continue;
    const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
    paths[path] = Object.fromEntries(
      Object.entries(mod.openapi).map(([method, op]) => [method, operation(op!)]),
    );
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Astapa API",
      version: "1",
      description:
        "Sign-in, tokens, plans and payments for your app. Errors are JSON {error, error_description}.",
    },
    servers: [{ url: issuer }],
    paths,
    components: {
      securitySchemes: {
        clientBasic: {
          type: "http",
          scheme: "basic",
          description: "client_id and client_secret; token endpoints also accept them in the body.",
        },
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
      },
    },
  };
}
