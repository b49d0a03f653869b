/**
 * `deno task bench import` (issue 22): the CLI importing BENCH_IMPORT_USERS (default 100,000) users with
 * bcrypt hashes from an NDJSON file, and exporting them again — rows per second and the CLI process's peak
 * RSS. Streaming means memory stays flat as the file grows, so each is also run with a tenth of the users and
 * the two peaks are printed side by side (a ratio, not a timed assertion). RSS alone misleads: V8 collects
 * lazily and lets its heap (and the RSS) grow with the work done although nothing is kept, so both commands
 * also run with --trace-gc and report the live heap after each full (mark-compact) collection: the memory the
 * command really holds, which must be the same for both rows. Postgres: embedded, in a temp folder.
 */
import bcrypt from "bcryptjs";
import { startDatabase } from "./loopback/fixtures.ts";
import { seedProject } from "../tests/helpers/identity.ts";

const USERS = Number(Deno.env.get("BENCH_IMPORT_USERS") ?? 100_000);
const cli = new URL("../cli.ts", import.meta.url).pathname;

type Measured = { seconds: number; peakRssMiB: number; stdout: string; stderr: string };

/** Runs the CLI, sampling the child's VmHWM (peak resident set) from /proc until it exits. */
async function measure(args: string[], url: string, runFlags: string[] = []): Promise<Measured> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...runFlags, cli, ...args],
    env: { DATABASE_URL: url, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peakKiB = 0;
  const sample = async () => {
    try {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch { /* the process ended between samples */ }
  };
  const timer = setInterval(sample, 50);
  const output = await child.output();
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!output.success) throw new Error(`astapa ${args.join(" ")} failed: ${decode(output.stderr)}`);
  return {
    seconds,
    peakRssMiB: peakKiB / 1024,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  };
}

/**
 * The largest live heap after a full collection, from V8's --trace-gc lines on stdout
 * ("Mark-Compact 28.0 (39.1) -> 14.7 (37.9) MB"). A run too short for a full collection gets the largest heap
 * left after any collection, marked "≤": it still counts old garbage, so it bounds the live heap from above.
 */
function liveHeapAfterGc(trace: string): string {
  const collections = [...trace.matchAll(/ms: ([A-Za-z -]+?) [\d.]+ \([\d.]+\) -> ([\d.]+) \(/g)];
  const after = (full: boolean) =>
    collections.filter((m) => m[1].includes("Mark-Compact") === full).map((m) => Number(m[2]));
  const full = after(true);
  const any = full.length ? full : after(false);
  if (!any.length) return "no GC";
  return `${full.length ? " " : "≤"}${Math.max(...any).toFixed(0).padStart(3)} MB`;
}

/** An NDJSON file of `count` users; 64 real bcrypt hashes (cost 10) reused, as an import only parses them. */
async function writeUsers(path: string, count: number): Promise<number> {
  const hashes = Array.from({ length: 64 }, (_, i) => bcrypt.hashSync(`password-${i}`, 10));
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const encoder = new TextEncoder();
  let bytes = 0;
  for (let start = 0; start < count; start += 1000) {
    const lines = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      lines.push(JSON.stringify({
        email: `user${i}@bench.example`,
        email_verified: i % 3 !== 0,
        external_id: `legacy|${i}`,
        name: `User ${i}`,
        created_at: new Date(1_600_000_000_000 + i * 60_000).toISOString(),
        password_hash: hashes[i % hashes.length],
      }));
    }
    const chunk = encoder.encode(lines.join("\n") + "\n");
    bytes += chunk.length;
    await writer.write(chunk);
  }
  await writer.close();
  return bytes;
}

export async function importBench(): Promise<void> {
  console.log(`\nImport/export bench: ${USERS} users with bcrypt hashes, through the CLI.`);
  const db = await startDatabase();
  const dir = await Deno.makeTempDir({ prefix: "astapa-bench-import-" });
  try {
    const rows: string[] = [];
    for (const count of [Math.max(1, Math.round(USERS / 10)), USERS]) {
      const project = await seedProject(db.sql, { name: `Import ${count}` });
      const file = `${dir}/users-${count}.ndjson`;
      const bytes = await writeUsers(file, count);
      // Without --json: stdout carries the GC trace and the one-line summary.
      const imported = await measure(
        ["user", "import", "--project", project.id, file],
        db.url,
        ["--v8-flags=--trace-gc"],
      );
      const created = Number(/ rows: (\d+) created/.exec(imported.stdout)?.[1]);
      if (created !== count) throw new Error(`imported ${created} of ${count}`);
      // --out keeps stdout free for the GC trace.
      const exported = await measure(
        ["user", "export", "--project", project.id, "--out", `${file}.out`],
        db.url,
        ["--v8-flags=--trace-gc"],
      );
      rows.push(
        `${String(count).padStart(8)}  ${(bytes / 2 ** 20).toFixed(1).padStart(7)} MiB` +
          `  import ${Math.round(count / imported.seconds).toString().padStart(6)} users/s` +
          `  peak RSS ${imported.peakRssMiB.toFixed(0).padStart(4)} MiB` +
          ` (live heap ${liveHeapAfterGc(imported.stdout)})` +
          `  export ${Math.round(count / exported.seconds).toString().padStart(7)} rows/s` +
          `  peak RSS ${exported.peakRssMiB.toFixed(0).padStart(4)} MiB` +
          `  live heap ${liveHeapAfterGc(exported.stdout)}`,
      );
    }
    console.log(`${"users".padStart(8)}  ${"file".padStart(11)}\n${rows.join("\n")}`);
    console.log(
      "Streaming holds when the peaks of the two rows are close (the file is 10× larger). For the export, " +
        "compare the live heap (largest heap left after a full GC): RSS also counts garbage V8 has not " +
        "collected yet (docs/performance.md).",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await db.stop();
  }
}
