/**
 * The first command works where people clone: as root, in a folder the postgres OS user cannot enter (mode
 * 700, like root's home or a `mktemp -d` folder), `deno task start` runs with the cluster in the system state
 * folder, recorded in the data folder so a restart and the CLI find the same cluster; no folder is loosened.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { copyCheckout, run, startServer } from "../helpers/process.ts";
import { runningPostmaster } from "@/db/embedded.ts";

Deno.test({
  name:
    "start as root — a mode-700 clone starts, restarts and serves the CLI with the cluster kept outside it",
  ignore: Deno.uid() !== 0,
  async fn() {
    const clone = await Deno.makeTempDir({ prefix: "astapa-clone-" }); // mode 700
    assert.equal((await Deno.stat(clone)).mode! & 0o777, 0o700);
    await copyCheckout(clone);
    const env = { PORT: "0" };
    const startTask = { cwd: clone, args: ["task", "start"] };
    let clusterDir: string | undefined;
    try {
      const first = await startServer(env, 180_000, startTask);
      try {
        assert.equal((await fetch(`${first.url}/readyz`)).status, 200);
        const record = JSON.parse(await Deno.readTextFile(join(clone, ".astapa", "cluster.json")));
        clusterDir = record.clusterDir as string;
        assert.match(clusterDir, /^\/var\/lib\/astapa\/clusters\/[0-9a-f]+\/pg$/);
        assert.ok(await runningPostmaster(clusterDir), "the recorded cluster runs");
        assert.ok(
          first.output.some((line) => line.includes(clusterDir!)),
          "the banner says where the data is",
        );

        const status = await run(["cli.ts", "db", "status", "--json"], {
          ASTAPA_DATA_DIR: join(clone, ".astapa"),
        });
        assert.equal(status.code, 0, status.stderr);
        assert.equal(JSON.parse(status.stdout).pending.length, 0);
      } finally {
        assert.equal(await first.stop("SIGTERM"), 0, first.output.join("\n"));
      }
      assert.equal(await runningPostmaster(clusterDir), null, "Postgres stopped with the server");

      const again = await startServer(env, 180_000, startTask);
      try {
        assert.equal((await fetch(`${again.url}/readyz`)).status, 200);
        assert.ok(await runningPostmaster(clusterDir), "the restart found the same cluster");
      } finally {
        assert.equal(await again.stop("SIGTERM"), 0, again.output.join("\n"));
      }
      assert.equal((await Deno.stat(clone)).mode! & 0o777, 0o700, "the clone's folder is not loosened");
      assert.equal((await Deno.stat(join(clone, ".astapa"))).mode! & 0o077, 0, "nor its data folder");
    } finally {
      if (clusterDir) await Deno.remove(dirname(clusterDir), { recursive: true });
      await Deno.remove(clone, { recursive: true });
    }
  },
});
