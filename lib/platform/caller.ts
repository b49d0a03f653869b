/**
 * The Platform API's side of client authorization: the credentials a request carries (HTTP Basic, or
 * client_id + client_secret in a form or JSON body), the client routes/api/_middleware.ts authenticated for
 * the route, and the transaction that acts for it — with the client's kind in `astapa.client_kind`, so the
 * database refuses a machine or self-registered client on management tables even if a route let it through.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { type AppContext, asApp, type Tx } from "@/db/client.ts";
import { bodyKind, formToObject, readBody, readText } from "../http/body.ts";
import type { AuthenticatedClient } from "../oauth/authenticate_client.ts";
import type { OAuthParams } from "../oauth/params.ts";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * client_id and client_secret from the body, when it is a form or a JSON object holding them as strings;
 * anything else (no body, other fields, bad JSON) is left for the handler to judge.
 */
export async function credentialsInBody(c: Ctx): Promise<OAuthParams> {
  const kind = bodyKind(c.req.header("content-type"));
  if (!BODY_METHODS.has(c.req.method) || kind === null) return {};
  const text = await readText(c); // Hono keeps it: the handler reads the same body again
  let fields: Record<string, unknown> = {};
  if (kind === "form") fields = formToObject(text);
  else {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        fields = parsed as Record<string, unknown>;
      }
    } catch {
      return {};
    }
  }
  const params: OAuthParams = {};
  for (const name of ["client_id", "client_secret"] as const) {
    if (typeof fields[name] === "string" && fields[name] !== "") params[name] = fields[name];
  }
  return params;
}

/** The client the route's declaration let in (routes/api/_middleware.ts authenticated it). */
export function clientOf(c: Ctx): AuthenticatedClient {
  const client = c.get("client");
  if (!client) throw new Error(`${c.req.method} ${c.req.path} reads a client but declares no client callers`);
  return client;
}

/** The calling client as a transaction's context: actor `api` (the audit log), its kind set for SQL. */
export function clientContext(c: Ctx): AppContext {
  return { actor: "api", clientKind: clientOf(c).kind };
}

/** Runs `work` for the calling client's project, as the app role, with the client's kind set for SQL. */
export function asClient<T>(c: Ctx, work: (tx: Tx, projectId: string) => Promise<T>): Promise<T> {
  const client = clientOf(c);
  return asApp(c.var.deps.sql, client.projectId, (tx) => work(tx, client.projectId), clientContext(c));
}

/** A JSON object body without the client credentials it may carry (they are not data). */
export async function bodyWithoutCredentials(c: Ctx): Promise<Record<string, unknown>> {
  const { client_id: _id, client_secret: _secret, ...body } = await readBody(
    c,
    z.record(z.string(), z.unknown()),
    ["json"],
  );
  return body;
}
