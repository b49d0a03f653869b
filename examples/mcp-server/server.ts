/**
 * An example MCP server protected by Astapa: a per-client notepad with two tools, `list_notes` (scope
 * notes:read) and `add_note` (notes:write). Built on the MCP SDK's v2 server package: `createMcpHandler` serves
 * the 2026-07-28 revision statelessly (a fresh server per request) and falls back to stateless 2025-era serving
 * for the 1.x clients most hosts still ship, on web standard Request/Response (Deno.serve, Bun, Workers).
 */
import {
  type AuthInfo,
  createMcpHandler,
  McpServer,
  type ScopeChallengeHandler,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import {
  BearerError,
  bearerVerifier,
  type Caller,
  challengeResponse,
  metadataUrl,
  resourceMetadata,
} from "./bearer.ts";

/** The scopes each tool needs; a call without them is answered 403 insufficient_scope before the tool runs. */
export const TOOL_SCOPES: Record<string, string[]> = {
  list_notes: ["notes:read"],
  add_note: ["notes:write"],
};

/**
 * The scopes a 401 challenge names: those the tools need, not everything the resource metadata might list
 * (without a challenge scope MCP clients ask for the whole scopes_supported). Not the least of them either:
 * both SDK generations register a dynamic client with the scope of the first challenge, and an authorization
 * server that holds a client to its registered scope (Astapa does) would then refuse every later step-up.
 * Tokens issued narrower (a machine client allowed fewer scopes, a client that asked less) step up per tool.
 */
export const CHALLENGE_SCOPES = [...new Set(Object.values(TOOL_SCOPES).flat())];

export type NotesServerOptions = { resource: string; issuer: string; projectId: string };

/** A fetch handler serving the MCP endpoint at the resource's path and its RFC 9728 metadata. */
export function notesServer(options: NotesServerOptions): (req: Request) => Promise<Response> {
  const resourceOptions = {
    ...options,
    scopesSupported: CHALLENGE_SCOPES,
    resourceName: "Astapa example notes",
  };
  const verify = bearerVerifier(resourceOptions);
  const mcpPath = new URL(options.resource).pathname;
  const metadataPath = new URL(metadataUrl(options.resource)).pathname;
  const notes = new Map<string, string[]>(); // by client id; an example, so in memory
  // One factory for both eras; `legacy` is left at its default, stateless serving of 2025-era clients.
  const mcp = createMcpHandler(({ authInfo }) => buildServer(notes, authInfo));

  return async (req) => {
    const { pathname } = new URL(req.url);
    if (pathname === metadataPath || pathname === "/.well-known/oauth-protected-resource") {
      return Response.json(resourceMetadata(resourceOptions));
    }
    if (pathname !== mcpPath) return new Response("Not found", { status: 404 });
    try {
      const caller = await verify(req.headers.get("authorization"));
      return await mcp.fetch(req, { authInfo: caller });
    } catch (error) {
      if (error instanceof BearerError) {
        return challengeResponse(error, options.resource, CHALLENGE_SCOPES);
      }
      throw error;
    }
  };
}

/**
 * A tool's scope check. The challenge's scope is what the token already has plus what is missing: MCP clients
 * (the 1.x SDK among them) ask for exactly that scope when they step up, so naming only the missing one would
 * cost them the scopes they hold.
 */
export function stepUpTo(needed: string[]): ScopeChallengeHandler {
  return ({ authInfo }) => {
    const held = authInfo?.scopes ?? [];
    const missing = needed.filter((scope) => !held.includes(scope));
    if (!missing.length) return undefined;
    const scopes = [...new Set([...held, ...needed])] as [string, ...string[]];
    return { scopes, errorDescription: `This needs the scope ${missing.join(" ")}.` };
  };
}

function buildServer(notes: Map<string, string[]>, authInfo: AuthInfo | undefined): McpServer {
  const owner = (authInfo as Caller).clientId; // the HTTP layer lets no request through without a token
  const server = new McpServer({ name: "astapa-example-notes", version: "2.0.0" });
  server.registerTool("list_notes", {
    description: "Lists the notes this client has written.",
    scopeChallenge: stepUpTo(TOOL_SCOPES.list_notes),
  }, () => ({
    content: [{ type: "text", text: JSON.stringify(notes.get(owner) ?? []) }],
  }));
  server.registerTool("add_note", {
    description: "Adds a note.",
    inputSchema: z.object({ text: z.string().min(1).max(1000) }),
    scopeChallenge: stepUpTo(TOOL_SCOPES.add_note),
  }, ({ text }) => {
    const list = notes.get(owner) ?? [];
    notes.set(owner, [...list, text]);
    return { content: [{ type: "text", text: `Saved note ${list.length + 1}.` }] };
  });
  return server;
}
