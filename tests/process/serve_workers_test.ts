/** ASTAPA_WORKERS: more threads serving one port through SO_REUSEPORT (lib/serve_workers.ts). */
import assert from "node:assert/strict";
import { run, startServer } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { waitFor } from "../helpers/wait.ts";

/** Listening TCP sockets on 127.0.0.1/0.0.0.0 `port` (state 0A in /proc/net/tcp). */
async function listeners(port: number): Promise<number> {
  const table = await Deno.readTextFile("/proc/net/tcp");
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return table.split("\n").filter((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1]?.endsWith(`:${hex}`) && fields[3] === "0A";
  }).length;
}

Deno.test("serve workers — ASTAPA_WORKERS=2: two listeners on one port, every connection answered, clean stop", async () => {
  const db = await testDatabase();
  try {
    const server = await startServer(
      {
        DATABASE_URL: db.url,
        ASTAPA_MASTER_KEY: TEST_MASTER_KEY,
        ASTAPA_WORKERS: "2",
        HOSTNAME: "127.0.0.1",
      },
      180_000, // two isolates load the whole module graph on two shared cores
      { args: ["run", "-A", "--unstable-net", "main.ts"] },
    );
    try {
      // The main thread announces itself first; the worker says when it serves too.
      await waitFor(
        () => Promise.resolve(server.output.some((line) => line.includes('"msg":"serving threads ready"'))),
        `"serving threads ready" in the server's output`,
        60_000,
      );
      const port = Number(new URL(server.url).port);
      const origin = `http://127.0.0.1:${port}`;
      assert.equal(await listeners(port), 2, "the main thread and one worker listen");
      const bodies = new Set<string>();
      for (let i = 0; i < 20; i++) {
        // A new connection each time, so the kernel spreads them over both listeners.
        const res = await fetch(`${origin}/.well-known/jwks.json`, { headers: { connection: "close" } });
        assert.equal(res.status, 200);
        assert.ok(res.headers.get("content-security-policy"));
        bodies.add(await res.text());
        const page = await fetch(`${origin}/healthz`, { headers: { connection: "close" } });
        assert.equal(page.status, 200);
        await page.body?.cancel();
      }
      assert.equal(bodies.size, 1, "both threads publish the same keys");
    } finally {
      assert.equal(await server.stop("SIGTERM"), 0, "SIGTERM stops the workers and exits cleanly");
    }
    assert.ok(server.output.some((line) => line.includes('"msg":"stopped"')));
  } finally {
    await db.close();
  }
});

Deno.test("serve workers — more than one without DATABASE_URL is refused with a readable message", async () => {
  const result = await run(["main.ts"], { ASTAPA_WORKERS: "2", PORT: "0" });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /ASTAPA_WORKERS: above 1 needs DATABASE_URL/);
});
