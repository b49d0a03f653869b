/**
 * The hosted checkout (/billing/checkout/:id and its method, simulate and events endpoints) may be driven by the
 * project's own web app from its allowed origins (CORS naming that origin, no credentials: the checkout id in
 * the URL is the capability). A change posted from any other site is refused (lib/http/origins.ts).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "@/lib/app_env.ts";
import { asApp } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { allowedOrigins, projectCors } from "@/lib/http/origins.ts";

export const middleware: MiddlewareHandler<AppEnv> = projectCors(async (c) => {
  const checkoutId = c.req.path.split("/")[3] ?? "";
  const { projectId } = await findCheckout(c.var.deps.sql, checkoutId).catch(() => ({ projectId: null }));
  if (projectId === null) return [];
  const { settings } = await asApp(c.var.deps.sql, projectId, (tx) => getProject(tx, projectId));
  return allowedOrigins(settings);
}, ["GET", "POST"]);
