/**
 * Where a server's allocations come from: V8's sampling heap profiler, driven over the inspector protocol
 * (the server started with `--inspect`), counting the objects the collector has already freed too — the
 * young generation's churn, not what stays. Printed per request: the total, then the top call sites by the
 * bytes they allocate themselves. `PROFILE_HEAP=PORT` in sql_profile.ts and profile_one.ts (session 24).
 */

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { callFrame: CallFrame; selfSize: number; children: ProfileNode[] };

/** The `--inspect` flag for a server that `PROFILE_HEAP` profiles, or nothing. */
export function inspectFlag(): string[] {
  const port = Deno.env.get("PROFILE_HEAP");
  return port ? [`--inspect=127.0.0.1:${port}`] : [];
}

/** Starts sampling in the server `inspectFlag` started, or returns null; call the result after the load. */
export async function startAllocationSampling(): Promise<((requests: number) => Promise<void>) | null> {
  const port = Deno.env.get("PROFILE_HEAP");
  if (!port) return null;
  const [target] = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((opened) => socket.onopen = opened);
  let lastId = 0;
  const answers = new Map<number, (result: Record<string, unknown>) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    answers.get(message.id)?.(message.result);
  };
  const call = (method: string, params = {}) =>
    new Promise<Record<string, unknown>>((answered) => {
      answers.set(++lastId, answered);
      socket.send(JSON.stringify({ id: lastId, method, params }));
    });
  await call("HeapProfiler.enable");
  await call("HeapProfiler.startSampling", {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async (requests) => {
    const { profile } = await call("HeapProfiler.stopSampling") as { profile: { head: ProfileNode } };
    socket.close();
    const bySite = new Map<string, number>();
    let total = 0;
    const visit = (node: ProfileNode) => {
      const f = node.callFrame;
      const site = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${
        f.lineNumber + 1
      }`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
      node.children.forEach(visit);
    };
    visit(profile.head);
    console.log(`allocated ${(total / requests / 1024).toFixed(1)} KB a request (sampled); top sites:`);
    for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
      console.log(
        `${(bytes / requests).toFixed(0).padStart(8)} B  ${
          (bytes / total * 100).toFixed(1).padStart(5)
        } %  ${site}`,
      );
    }
  };
}
