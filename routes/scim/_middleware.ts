/**
 * The SCIM family (docs/scim.md): every route below /scim declares its callers, and `authorize` checks the
 * directory's bearer token before the handler runs. Every answer is `application/scim+json`; every failure —
 * thrown by a handler, the body limit, the token check or a route that does not exist — becomes a SCIM Error
 * (RFC 7644 §3.12) here, after the app's error handler has logged what it must.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "@/lib/app_env.ts";
import type { Caller } from "@/lib/router/callers.ts";
import { AppError } from "@/lib/http/errors.ts";
import { SCIM_CONTENT_TYPE, scimErrorResponse } from "@/lib/scim/problem.ts";
import { authenticateScim } from "@/lib/scim/caller.ts";

/** A SCIM User is a few hundred bytes; a PATCH of 100 operations a few KiB. */
export const MAX_SCIM_BODY_BYTES = 64 * 1024;

const scimErrors: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.error) c.res = scimErrorResponse(c.error);
  else if (c.res.status >= 400 && !c.res.headers.get("content-type")?.startsWith(SCIM_CONTENT_TYPE)) {
    c.res = scimErrorResponse(new AppError(c.res.status === 405 ? "method_not_allowed" : "not_found"));
  }
};

const limitBody = bodyLimit({
  maxSize: MAX_SCIM_BODY_BYTES,
  onError: () => {
    throw new AppError("payload_too_large", { description: "A SCIM request body is at most 64 KiB." });
  },
});

export const middleware: MiddlewareHandler<AppEnv>[] = [
  scimErrors,
  (c, next) => c.req.method === "GET" || c.req.method === "HEAD" ? next() : limitBody(c, next),
];

/** The check the router puts in front of each /scim handler, given the route's declaration. */
export function authorize(caller: Caller): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("caller", caller);
    if (caller.kind === "scim_token") c.set("scim", await authenticateScim(c));
    await next();
  };
}
