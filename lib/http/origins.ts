/**
 * A project's allowed origins (settings.allowed_origins): the web origins its own browser app runs on. Where a
 * browser calls a project's endpoint from another origin, the request is served — with CORS headers naming that
 * one origin, never `*`, never credentials — only when the origin is listed; a state-changing request from any
 * other foreign origin is refused before it does anything. Same-origin requests (Astapa's own pages) always pass.
 * docs/security.md "Cross-origin requests" lists which endpoints use this and which answer `*`.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv, Ctx } from "../app_env.ts";
import { AppError } from "./errors.ts";

/** The project's allowed origins from its settings (anything malformed counts as none). */
export function allowedOrigins(settings: Record<string, unknown>): string[] {
  const list = settings.allowed_origins;
  return Array.isArray(list) ? list.filter((o): o is string => typeof o === "string") : [];
}

/** The request's Origin when it is another site's (absent, "null"-less same-origin requests give null). */
export function foreignOrigin(c: Ctx): string | null {
  const origin = c.req.header("origin");
  if (origin === undefined) return null;
  return origin === new URL(c.var.deps.config.baseUrl).origin ? null : origin;
}

const SAFE = new Set(["GET", "HEAD"]);

/**
 * CORS and the Origin check for endpoints owned by one project: `projectOrigins` finds the allowed origins for
 * the request (e.g. from the checkout id in the path). Preflights are answered for allowed origins only.
 */
export function projectCors(
  projectOrigins: (c: Ctx) => Promise<string[]>,
  methods: string[],
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = foreignOrigin(c);
    if (origin === null) return await next();
    c.header("vary", "Origin", { append: true });
    const allowed = origin !== "null" && (await projectOrigins(c)).includes(origin);
    if (c.req.method === "OPTIONS") {
      if (!allowed) throw new AppError("forbidden", { description: `${origin} is not an allowed origin.` });
      return c.body(null, 204, {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": methods.join(", "),
        "access-control-allow-headers": "content-type",
        "access-control-max-age": "600",
        vary: "Origin",
      });
    }
    if (!allowed && !SAFE.has(c.req.method)) {
      throw new AppError("forbidden", {
        description: `${origin} is not among this project's allowed origins, so it may not change this.`,
      });
    }
    await next();
    if (allowed) c.res.headers.set("access-control-allow-origin", origin);
  };
}
