import assert from "node:assert/strict";
import { join } from "node:path";
import { BUILD_DIR, buildIslands, pruneBuilds } from "@/lib/islands/build.ts";

const DAY = 24 * 3_600_000;

async function folder(name: string, ageMs: number): Promise<string> {
  const path = join(BUILD_DIR.pathname, name);
  await Deno.mkdir(path, { recursive: true });
  await Deno.writeTextFile(join(path, "client.js"), "export {};\n");
  const when = new Date(Date.now() - ageMs);
  await Deno.utime(path, when, when);
  return path;
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("island builds — older builds go after a week, crashed staging after an hour, the current one stays", async () => {
  const current = await folder("prune-test-current", 30 * DAY);
  const old = await folder("prune-test-old", 8 * DAY);
  const recent = await folder("prune-test-recent", 6 * DAY);
  const staging = await folder(".staging-prune-test", 2 * 3_600_000);
  try {
    const removed = await pruneBuilds("prune-test-current");
    assert.ok(removed.includes("prune-test-old") && removed.includes(".staging-prune-test"), String(removed));
    assert.equal(await exists(old), false);
    assert.equal(await exists(staging), false);
    assert.equal(await exists(current), true, "the build in use is never pruned, however old");
    assert.equal(await exists(recent), true, "a build from this week may still be referenced by a page");
  } finally {
    for (const path of [current, old, recent, staging]) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  }
});

Deno.test("island builds — builds started at once all succeed and agree on one version", async () => {
  const builds = await Promise.all([buildIslands(), buildIslands(), buildIslands()]);
  assert.equal(new Set(builds.map((build) => build.clientScript)).size, 1);
});
