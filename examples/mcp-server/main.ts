/**
 * Runs the example MCP server:
 *   ASTAPA_ISSUER=https://auth.example.com ASTAPA_PROJECT_ID=proj_… MCP_RESOURCE=https://mcp.example.com/mcp \
 *     PORT=8787 [MCP_ALLOWED_HOSTS=…] [MCP_ALLOWED_ORIGINS=…] deno run -A examples/mcp-server/main.ts
 * Register MCP_RESOURCE in your Astapa project first (deno task astapa resource add …).
 */
import { notesServer } from "./server.ts";

const issuer = Deno.env.get("ASTAPA_ISSUER") ?? "http://localhost:8000";
const port = Number(Deno.env.get("PORT") ?? 8787);
const resource = Deno.env.get("MCP_RESOURCE") ?? `http://localhost:${port}/mcp`;
const projectId = Deno.env.get("ASTAPA_PROJECT_ID");
if (!projectId) {
  throw new Error("Set ASTAPA_PROJECT_ID to the project that registered MCP_RESOURCE (proj_…).");
}

/**
 * Comma-separated lists besides the resource's own: host names (e.g. behind a proxy that keeps an internal
 * Host) and origins (`https://app.example`, for a browser client served elsewhere).
 */
const list = (name: string) => Deno.env.get(name)?.split(",").map((item) => item.trim()).filter(Boolean);
const ownHost = new URL(resource).hostname;
const allowedHosts = [ownHost, ...list("MCP_ALLOWED_HOSTS") ?? []];
const allowedOrigins = [new URL(resource).origin, ...list("MCP_ALLOWED_ORIGINS") ?? []];

Deno.serve({ port }, notesServer({ issuer, resource, projectId, allowedHosts, allowedOrigins }));
console.log(`MCP server ${resource} trusts tokens from ${issuer}`);
