/**
 * One server per embedded data folder. The lock file records the holder's pid and URL, so a second start
 * can say exactly what is running; a lock left by a dead process is taken over.
 */
import { join } from "node:path";

export class AlreadyRunningError extends Error {
  override name = "AlreadyRunningError";
}

export type InstanceLock = { release(): Promise<void> };

export async function acquireInstanceLock(dataDir: string, url: string): Promise<InstanceLock> {
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, "astapa.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await Deno.writeTextFile(file, JSON.stringify({ pid: Deno.pid, url }) + "\n", { createNew: true });
      return {
        async release() {
          const holder = await readHolder(file);
          if (holder?.pid === Deno.pid) await Deno.remove(file).catch(() => {});
        },
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const holder = await readHolder(file);
    if (holder && holder.pid !== Deno.pid && (await isAlive(holder.pid))) {
      throw new AlreadyRunningError(
        `Astapa is already running on this data folder (pid ${holder.pid}, ${holder.url}).\n` +
          `Stop it first, or give this instance its own ASTAPA_DATA_DIR or a shared DATABASE_URL.`,
      );
    }
    await Deno.remove(file).catch(() => {}); // stale: its process is gone
  }
  throw new AlreadyRunningError(`Could not take the instance lock ${file}; another Astapa is starting.`);
}

/** The live process holding the data folder's lock, if any. */
export async function lockHolder(dataDir: string): Promise<{ pid: number; url: string } | null> {
  const holder = await readHolder(join(dataDir, "astapa.pid"));
  return holder && (await isAlive(holder.pid)) ? holder : null;
}

async function readHolder(file: string): Promise<{ pid: number; url: string } | null> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(file));
    return typeof parsed.pid === "number" ? { pid: parsed.pid, url: String(parsed.url) } : null;
  } catch {
    return null;
  }
}

async function isAlive(pid: number): Promise<boolean> {
  return await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
}
