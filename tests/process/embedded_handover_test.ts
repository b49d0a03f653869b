/**
 * A CLI command that started the embedded cluster must not stop it under a server that attached meanwhile;
 * the server, holding the data folder's lock, stops it when it stops.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runningPostmaster, startEmbeddedPostgres } from "@/db/embedded.ts";
import { startServer } from "../helpers/process.ts";

Deno.test("embedded cluster — started by a CLI, handed over to the server that attached, stopped by it", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "astapa-handover-" });
  const clusterDir = join(dataDir, "pg");
  try {
    // This test process plays the CLI: it starts the cluster, then the server starts on the same folder.
    const cli = await startEmbeddedPostgres(dataDir, { durable: false });
    const server = await startServer({ ASTAPA_DATA_DIR: dataDir });
    let serverCode: number | undefined;
    try {
      const startedBy = await runningPostmaster(clusterDir);
      assert.ok(startedBy, "the CLI's cluster runs");

      await cli.stop(); // the CLI command ends
      assert.deepEqual(await runningPostmaster(clusterDir), startedBy, "the cluster is left to the server");
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200, await ready.text());
    } finally {
      serverCode = await server.stop("SIGTERM");
    }
    assert.equal(serverCode, 0, server.output.join("\n"));
    assert.equal(await runningPostmaster(clusterDir), null, "the server stopped the cluster it was handed");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
