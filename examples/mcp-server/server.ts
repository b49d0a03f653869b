/**
 * An example MCP server protected by Astapa: a per-client notepad with two tools, `list_notes` (scope
 * notes:read) and `add_note` (notes:write). Built on the MCP SDK's v2 server package: `createMcpHandler` serves
 * the 2026-07-28 revision statelessly (a fresh server per request) and falls back to stateless 2025-era serving
 * for the 1.x clients most hosts still ship, on web standard Request/Response (Deno.serve, Bun, Workers).
 */
import {
  type AuthInfo,
  createMcpHandler,
  hostHeaderValidationResponse,
  McpServer,
  type ScopeChallengeHandler,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { foreignOriginResponse } from "./origin.ts";
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
 * The scopes a 401 challenge names by default: those the tools need (without a challenge scope MCP clients ask
 * for the whole scopes_supported). Not the least of them: the 1.x SDK that most hosts still ship cannot step up
 * by itself (its refresh cannot widen, so it gives up with the 403), so naming every tool's scope up front
 * spares those users a second sign-in. A server whose clients step up (the v2 SDK does, and Astapa lets any
 * client widen past its registration with the person's consent) may name the least with `challengeScopes`.
 */
export const CHALLENGE_SCOPES = [...new Set(Object.values(TOOL_SCOPES).flat())];

export type NotesServerOptions = {
  resource: string;
  issuer: string;
  projectId: string;
  /** What a 401 asks for (default CHALLENGE_SCOPES); tools step up past it with 403 insufficient_scope. */
  challengeScopes?: string[];
  /**
   * Host header names served (default: the resource's host). Anything else is 403: a DNS-rebinding page whose
   * name resolves to this server sends its own name (MCP transports spec, "Security Warning").
   */
  allowedHosts?: string[];
  /**
   * Origins (scheme, host and port) a browser may call the MCP endpoint from (default: the resource's own
   * origin); 403 otherwise.
   */
  allowedOrigins?: string[];
};

/** A fetch handler serving the MCP endpoint at the resource's path and its RFC 9728 metadata. */
export function notesServer(options: NotesServerOptions): (req: Request) => Promise<Response> {
  const resourceOptions = {
    ...options,
    // RFC 9728 scopes_supported: the resource's own scopes only. offline_access is an authorization server's
    // business, listed in Astapa's metadata (MCP 2026-07-28, SEP-2207: servers SHOULD NOT list it here).
    scopesSupported: CHALLENGE_SCOPES,
    resourceName: "Astapa example notes",
  };
  const challengeScopes = options.challengeScopes ?? CHALLENGE_SCOPES;
  const ownHost = new URL(options.resource).hostname;
  const hosts = options.allowedHosts ?? [ownHost];
  const origins = options.allowedOrigins ?? [new URL(options.resource).origin];
  const verify = bearerVerifier(resourceOptions);
  const mcpPath = new URL(options.resource).pathname;
  const metadataPath = new URL(metadataUrl(options.resource)).pathname;
  const notes = new Map<string, string[]>(); // by client id; an example, so in memory
  // One factory for both eras; `legacy` is left at its default, stateless serving of 2025-era clients.
  const mcp = createMcpHandler(({ authInfo }) => buildServer(notes, authInfo));

  return async (req) => {
    // DNS rebinding: a foreign Host is refused everywhere, a foreign Origin (a browser page elsewhere) at the
    // MCP endpoint; a request without Origin (every non-browser client) passes. Both answer 403.
    const foreignHost = hostHeaderValidationResponse(req, hosts);
    if (foreignHost) return foreignHost;
    const { pathname } = new URL(req.url);
    if (pathname === metadataPath || pathname === "/.well-known/oauth-protected-resource") {
      return Response.json(resourceMetadata(resourceOptions));
    }
    if (pathname !== mcpPath) return new Response("Not found", { status: 404 });
    const foreignOrigin = foreignOriginResponse(req, origins);
    if (foreignOrigin) return foreignOrigin;
    try {
      const caller = await verify(req.headers.get("authorization"));
      return await mcp.fetch(req, { authInfo: caller });
    } catch (error) {
      if (error instanceof BearerError) {
        return challengeResponse(error, options.resource, challengeScopes);
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
