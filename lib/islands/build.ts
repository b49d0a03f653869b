/**
 * Bundles islands/*.tsx and the hydration client for the browser with `deno bundle` (code splitting, so
 * Preact is shared). Output goes to static/build/<content hash>/, which is served as immutable.
 */
import { join } from "node:path";
import { hex } from "../secrets.ts";

const ROOT = new URL("../../", import.meta.url);
export const ISLANDS_DIR = new URL("islands/", ROOT);
export const BUILD_DIR = new URL("static/build/", ROOT);

export type IslandAssets = { clientScript: string };

/** Names of the islands: the file names in islands/, which must match their default export's purpose. */
export async function islandNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(ISLANDS_DIR)) {
    const match = /^([A-Z][A-Za-z0-9]*)\.tsx$/.exec(entry.name);
    if (entry.isFile && match) names.push(match[1]);
  }
  return names.sort();
}

/** Builds the browser bundles; returns the URL of the client script pages load. */
export async function buildIslands(): Promise<IslandAssets> {
  await Deno.mkdir(BUILD_DIR, { recursive: true });
  const staging = await Deno.makeTempDir({ dir: BUILD_DIR.pathname, prefix: ".staging-" });
  try {
    const entries = (await islandNames()).map((name) => `islands/${name}.tsx`);
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--format=esm",
        "--code-splitting",
        "--minify",
        `--outdir=${staging}`,
        "lib/islands/client.ts",
        ...entries,
      ],
      cwd: ROOT.pathname,
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (code !== 0) throw new Error(`Island bundle failed:\n${new TextDecoder().decode(stderr)}`);

    const version = await hashTree(staging);
    const target = join(BUILD_DIR.pathname, version);
    try {
      await Deno.rename(staging, target);
    } catch (error) {
      // Another process built the same sources first: its output is identical.
      if (!(error instanceof Deno.errors.AlreadyExists) && !(await isDirectory(target))) throw error;
      const now = new Date();
      await Deno.utime(target, now, now); // in use again: not pruned
    }
    await pruneBuilds(version);
    return { clientScript: `/static/build/${version}/lib/islands/client.js` };
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

/**
 * Older builds stay for a week, so a page rendered by an instance that has not restarted yet (or a browser
 * holding an old page) still finds its scripts; after that they are removed. Staging left by a crashed build
 * goes after an hour.
 */
export async function pruneBuilds(current: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for await (const entry of Deno.readDir(BUILD_DIR)) {
    if (!entry.isDirectory || entry.name === current) continue;
    const path = join(BUILD_DIR.pathname, entry.name);
    // Another instance building at the same moment may rename or remove its folder under us.
    const modified = (await Deno.stat(path).catch(() => null))?.mtime?.getTime();
    if (modified === undefined) continue;
    const keep = entry.name.startsWith(".staging-") ? HOUR : WEEK;
    if (now - modified > keep) {
      await Deno.remove(path, { recursive: true }).catch(() => {}); // another instance pruned it first
      removed.push(entry.name);
    }
  }
  return removed;
}

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

async function hashTree(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      if (entry.isDirectory) await walk(full);
      else files.push(full);
    }
  };
  await walk(dir);
  files.sort();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (const file of files) {
    parts.push(new TextEncoder().encode(file.slice(dir.length)), await Deno.readFile(file));
  }
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(await new Blob(parts).arrayBuffer()));
  return hex(new Uint8Array(digest).slice(0, 8));
}

async function isDirectory(path: string): Promise<boolean> {
  return await Deno.stat(path).then((info) => info.isDirectory, () => false);
}
