/**
 * ASTAPA_WORKERS=N (N > 1): N − 1 worker threads serve HTTP beside the main thread, all on one port through
 * SO_REUSEPORT (the kernel spreads connections over them). Opt-in, off by default: each thread is a V8 isolate
 * with the whole module graph and its own database pool, so resident memory grows by most of an instance per
 * thread (docs/performance.md, "Several serving threads"). Needs DATABASE_URL: the embedded cluster's address
 * is the main thread's alone.
 */
import type { IslandAssets } from "./islands/build.ts";
import { moduleFile } from "./built.ts";

export type ServeWorkers = { stop(): Promise<void> };

/** Starts `count` threads serving on `port` (the main thread's, already bound) and waits until each listens. */
export async function startServeWorkers(
  count: number,
  assets: IslandAssets,
  port: number,
): Promise<ServeWorkers> {
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL(moduleFile("./serve_worker", ".ts"), import.meta.url), { type: "module" }),
  );
  await Promise.all(workers.map((worker) => ask(worker, { assets, port }, "listening")));
  return {
    async stop() {
      await Promise.all(
        workers.map((worker) => ask(worker, "stop", "stopped").finally(() => worker.terminate())),
      );
    },
  };
}

/** Posts `message` and waits for `answer`; a worker that fails (an error event) rejects. */
function ask(worker: Worker, message: unknown, answer: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    const onMessage = (event: MessageEvent) => {
      if (event.data !== answer) return;
      done();
      resolve();
    };
    const onError = (event: ErrorEvent) => {
      done();
      event.preventDefault();
      reject(new Error(`a serving worker failed: ${event.message}`));
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    worker.postMessage(message);
  });
}
