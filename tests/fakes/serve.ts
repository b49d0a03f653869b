/** A loopback HTTP server for a provider fake, plus the small protocol helpers the fakes share. */
import { base64url, randomSecret } from "@/lib/secrets.ts";

export type FakeServer = {
  origin: string;
  /**
   * Paths whose requests are accepted and get no answer until the caller gives up (a provider that stalls);
   * close() releases any still waiting.
   */
  hangPaths: Set<string>;
  /**
   * The next request to a path gets this answer instead of the real one (a provider in trouble for one
   * request: a 5xx, a proxy's HTML page); the path answers normally again after it.
   */
  answerOnce: Map<string, Response>;
  close(): Promise<void>;
};

export function serveFake(handle: (req: Request, url: URL) => Response | Promise<Response>): FakeServer {
  const hangPaths = new Set<string>();
  const hung: (() => void)[] = [];
  const answerOnce = new Map<string, Response>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (hangPaths.has(url.pathname)) {
      await new Promise<void>((resolve) => {
        hung.push(resolve);
        req.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return new Response(null, { status: 504 });
    }
    const once = answerOnce.get(url.pathname);
    if (once) {
      answerOnce.delete(url.pathname);
      await req.body?.cancel();
      return once;
    }
    return await handle(req, url);
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    hangPaths,
    answerOnce,
    close: () => {
      for (const release of hung.splice(0)) release();
      return server.shutdown();
    },
  };
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });

/** The browser's redirect back to the client with `params` (what an authorize endpoint answers). */
export function redirectBack(redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return new Response(null, { status: 302, headers: { location: url.toString() } });
}

/** Client credentials from client_secret_post or client_secret_basic. */
export function clientCredentials(req: Request, form: URLSearchParams): { id?: string; secret?: string } {
  const basic = /^Basic (.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
  if (basic) {
    const [id, secret] = atob(basic).split(":").map(decodeURIComponent);
    return { id, secret };
  }
  return { id: form.get("client_id") ?? undefined, secret: form.get("client_secret") ?? undefined };
}

/** RFC 7636 S256: base64url(SHA-256(verifier)) must equal the challenge. */
export async function pkceMatches(challenge: string | undefined, verifier: string | null): Promise<boolean> {
  if (challenge === undefined) return verifier === null;
  if (!verifier) return false;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest)) === challenge;
}

export const newCode = () => randomSecret("", 24);
