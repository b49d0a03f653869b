/**
 * Runs the example MCP server:
 *   ASTAPA_ISSUER=https://auth.example.com ASTAPA_PROJECT_ID=proj_… MCP_RESOURCE=https://mcp.example.com/mcp \
 *     PORT=8787 deno run -A examples/mcp-server/main.ts
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

Deno.serve({ port }, notesServer({ issuer, resource, projectId }));
console.log(`MCP server ${resource} trusts tokens from ${issuer}`);
