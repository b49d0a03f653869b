import type { Handlers } from "@/lib/router/routes.ts";
import { removeProjectLogo, setProjectLogo } from "@/db/branding.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { acceptLogo, brandingView } from "@/lib/branding/api_body.ts";

export const callers = clients("project");

/** PUT the logo as the raw body (Content-Type image/png, image/jpeg or image/webp); DELETE removes it. */
export const handler: Handlers = {
  async PUT(c) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    } catch (cause) {
      if (cause instanceof AppError) throw cause; // the body limit
      throw new AppError("invalid_request", { description: "The request body could not be read.", cause });
    }
    const logo = await acceptLogo(bytes, c.req.header("content-type"));
    const base = c.var.deps.config.baseUrl;
    const branding = await asClient(c, (tx, projectId) => setProjectLogo(tx, projectId, logo));
    return c.json(brandingView(clientOf(c).projectId, branding, (p) => base + p), 200, NO_STORE);
  },
  async DELETE(c) {
    const base = c.var.deps.config.baseUrl;
    const branding = await asClient(c, (tx, projectId) => removeProjectLogo(tx, projectId));
    return c.json(brandingView(clientOf(c).projectId, branding, (p) => base + p), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  put: {
    tag: "Projects",
    summary:
      "Upload the logo: the raw PNG, JPEG or WebP bytes (≤ 256 KB, ≤ 2048×2048 px), validated by decoding",
    auth: "client",
    responses: { 200: { description: "Branding" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Projects",
    summary: "Remove the logo",
    auth: "client",
    responses: { 200: { description: "Branding" }, ...COMMON_ERRORS },
  },
};
