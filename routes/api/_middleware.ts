/**
 * The API family's authorization: every route below /api declares who may call it (`callers`,
 * lib/router/callers.ts) and the router puts `authorize` in front of each handler with that declaration. For
 * client callers it authenticates the client through the one entry point before the handler runs, so no work
 * (no body parsing, no query, no side effect) happens for a caller the route does not accept.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "@/lib/app_env.ts";
import type { Caller } from "@/lib/router/callers.ts";
import { AppError } from "@/lib/http/errors.ts";
import { authenticateClient } from "@/lib/oauth/authenticate_client.ts";
import { BASIC_CHALLENGE } from "@/lib/oauth/client_auth.ts";
import { credentialsInBody } from "@/lib/platform/caller.ts";
import { actAsClient } from "@/db/client.ts";

/** Nothing for the whole family: authorization is per route (below). */
export const middleware: MiddlewareHandler<AppEnv> = (_c, next) => next();

/** The check the router puts in front of each /api handler, given the route's declaration for its method. */
export function authorize(caller: Caller): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("caller", caller);
    if (caller.kind === "clients" && caller.authenticatedBy === "middleware") {
      const params = await credentialsInBody(c);
      if (c.req.header("authorization") === undefined && params.client_id === undefined) {
        throw new AppError("invalid_client", {
          description: "Authenticate with the client_id and client_secret (HTTP Basic).",
          headers: BASIC_CHALLENGE,
        });
      }
      const client = await authenticateClient(c, params);
      c.set("client", client);
      // Everything the handler runs in SQL carries the client's kind (db/client.ts, db/api/clients.sql).
      return await actAsClient(client.kind, next);
    }
    await next();
  };
}
