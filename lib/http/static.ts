/**
 * Files under static/. Built bundles (static/build/<hash>/) never change, so they are cached for a year;
 * everything else revalidates with an ETag.
 */
import type { MiddlewareHandler } from "hono";
import { extname, normalize } from "node:path";
import type { AppEnv } from "../app_env.ts";

const STATIC_DIR = new URL("../../static/", import.meta.url).pathname;

const TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
};

export const serveStatic: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(c.req.path.slice("/static/".length)));
  } catch {
    return next(); // malformed percent-encoding: nothing by that name
  }
  const type = TYPES[extname(relative)];
  if (!type || relative.startsWith("..") || relative.startsWith("/") || relative.includes("\0")) {
    return next();
  }
  const path = STATIC_DIR + relative;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    return next();
  }
  if (!info.isFile) return next();
  const etag = `"${info.size.toString(36)}-${(info.mtime?.getTime() ?? 0).toString(36)}"`;
  const cacheControl = relative.startsWith("build/")
    ? "public, max-age=31536000, immutable"
    : "public, max-age=300, must-revalidate";
  const headers = { "content-type": type, "cache-control": cacheControl, etag };
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(c.req.method === "HEAD" ? null : await Deno.readFile(path), { headers });
};
