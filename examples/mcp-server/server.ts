/**
 * An example MCP server protected by Astapa: a per-client notepad with two tools, `list_notes` (scope
 * notes:read) and `add_note` (notes:write). Stateless Streamable HTTP (a fresh server per request) on web
 * standard Request/Response, so it runs under Deno.serve, Bun or any fetch-style host.
 */
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { z } from "zod";
import {
  BearerError,
  bearerVerifier,
  type Caller,
  challengeResponse,
  metadataUrl,
  requireScopes,
  resourceMetadata,
} from "./bearer.ts";

/** The scopes each tool needs; the HTTP layer checks them before the call reaches the tool. */
export const TOOL_SCOPES: Record<string, string[]> = {
  list_notes: ["notes:read"],
  add_note: ["notes:write"],
};

export type NotesServerOptions = { resource: string; issuer: string; projectId: string };

/** A fetch handler serving the MCP endpoint at the resource's path and its RFC 9728 metadata. */
export function notesServer(options: NotesServerOptions): (req: Request) => Promise<Response> {
  const resourceOptions = {
    ...options,
    scopesSupported: [...new Set(Object.values(TOOL_SCOPES).flat())],
    resourceName: "Astapa example notes",
  };
  const verify = bearerVerifier(resourceOptions);
  const mcpPath = new URL(options.resource).pathname;
  const metadataPath = new URL(metadataUrl(options.resource)).pathname;
  const notes = new Map<string, string[]>(); // by client id; an example, so in memory

  return async (req) => {
    const { pathname } = new URL(req.url);
    if (pathname === metadataPath || pathname === "/.well-known/oauth-protected-resource") {
      return Response.json(resourceMetadata(resourceOptions));
    }
    if (pathname !== mcpPath) return new Response("Not found", { status: 404 });
    try {
      const caller = await verify(req.headers.get("authorization"));
      // Stateless, and it never writes to a client unasked: no standalone SSE stream (GET) and no session to
      // end (DELETE). 405 is how the Streamable HTTP transport says so, and clients go on without one.
      if (req.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
      const parsedBody = req.method === "POST" ? await req.json().catch(() => undefined) : undefined;
      for (const tool of calledTools(parsedBody)) requireScopes(caller, TOOL_SCOPES[tool] ?? []);
      const server = buildServer(notes);
      const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
      await server.connect(transport);
      return await transport.handleRequest(req, { authInfo: caller, parsedBody });
    } catch (error) {
      if (error instanceof BearerError) return challengeResponse(error, options.resource);
      throw error;
    }
  };
}

/** The tools a JSON-RPC message (or batch) calls. */
function calledTools(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) =>
    m?.method === "tools/call" && typeof m.params?.name === "string" ? [m.params.name as string] : []
  );
}

function buildServer(notes: Map<string, string[]>): McpServer {
  const server = new McpServer({ name: "astapa-example-notes", version: "1.0.0" });
  const owner = (extra: { authInfo?: unknown }) => (extra.authInfo as Caller).clientId;
  server.registerTool("list_notes", {
    description: "Lists the notes this client has written.",
  }, (extra) => ({
    content: [{ type: "text", text: JSON.stringify(notes.get(owner(extra)) ?? []) }],
  }));
  server.registerTool("add_note", {
    description: "Adds a note.",
    inputSchema: { text: z.string().min(1).max(1000) },
  }, ({ text }, extra) => {
    const list = notes.get(owner(extra)) ?? [];
    notes.set(owner(extra), [...list, text]);
    return { content: [{ type: "text", text: `Saved note ${list.length + 1}.` }] };
  });
  return server;
}
