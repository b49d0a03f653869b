/**
 * A throwaway Patroni cluster on loopback for the failover test: one etcd and two Postgres nodes (Debian's
 * `patroni`, `etcd-server`, `postgresql`), synchronous replication, in a temp folder. Postgres refuses to run as
 * root, so under root everything runs as the `postgres` OS user (setpriv). Ports are free ones on 127.0.0.1.
 */
import { freePort } from "@/db/embedded.ts";

export const SUPERUSER_PASSWORD = "patroni-test-superuser";

type Node = { name: string; pgPort: number; restPort: number; config: string; child?: Deno.ChildProcess };

export type PatroniCluster = {
  /** libpq multi-host URL of database `astapa`, with target_session_attrs=read-write. */
  url: string;
  nodes: Node[];
  /** Name of the node that holds the leader key now (asks Patroni's REST API). */
  leader(): Promise<string | null>;
  /** Resolves when one node leads and another is its synchronous standby, streaming. */
  healthy(timeoutMs?: number): Promise<void>;
  /** SIGKILL the node's Patroni and its postmaster: a machine gone. */
  kill(name: string): Promise<void>;
  /** Starts the node's Patroni again (it rejoins as a replica). */
  start(name: string): void;
  /** `patronictl switchover` to `candidate`. */
  switchover(leader: string, candidate: string): Promise<void>;
  log(): Promise<string>;
  stop(): Promise<void>;
};

const BIN = ["/usr/bin/patroni", "/usr/bin/patronictl", "/usr/bin/etcd"];

/** Why the cluster cannot run here, or null when it can. */
export async function patroniUnavailable(): Promise<string | null> {
  for (const bin of BIN) {
    if (!(await exists(bin))) return `${bin} is missing (apt-get install patroni etcd-server; .ci/run does)`;
  }
  if (!(await pgBinDir())) return "no /usr/lib/postgresql/*/bin/postgres (apt-get install postgresql)";
  if (Deno.uid() === 0 && !(await exists("/usr/bin/setpriv"))) return "setpriv (util-linux) is missing";
  return null;
}

function killQuietly(pid: number): void {
  try {
    if (pid > 0) Deno.kill(pid, "SIGKILL");
  } catch { /* already gone */ }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function pgBinDir(): Promise<string | null> {
  const versions: string[] = [];
  try {
    for await (const entry of Deno.readDir("/usr/lib/postgresql")) versions.push(entry.name);
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (await exists(`${dir}/postgres`)) return dir;
  }
  return null;
}

/** The command line, as the postgres OS user when we are root (setpriv execs: the pid stays the program's). */
function asOwner(args: string[]): string[] {
  return Deno.uid() === 0
    ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", ...args]
    : args;
}

function spawn(args: string[], logFile: string): Deno.ChildProcess {
  const [cmd, ...rest] = asOwner(["/bin/sh", "-c", `exec "$@" >>${logFile} 2>&1`, "sh", ...args]);
  return new Deno.Command(cmd, {
    args: rest,
    env: { HOME: "/tmp", LC_ALL: "C.UTF-8" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`patroni cluster: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts etcd and two Patroni nodes; resolves when the cluster is healthy and database `astapa` exists. */
export async function startPatroniCluster(): Promise<PatroniCluster> {
  const binDir = (await pgBinDir())!;
  const dir = await Deno.makeTempDir({ prefix: "astapa-patroni-" });
  await Deno.chmod(dir, 0o755);
  if (Deno.uid() === 0) await new Deno.Command("chown", { args: ["postgres:postgres", dir] }).output();
  const logFile = `${dir}/cluster.log`;
  const etcdClient = freePort();
  const etcdPeer = freePort();
  const etcd = spawn([
    "/usr/bin/etcd",
    "--name=etcd0",
    `--data-dir=${dir}/etcd`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=etcd0=http://127.0.0.1:${etcdPeer}`,
    "--enable-v2=true",
    "--log-level=warn",
  ], logFile);
  await until("etcd", 20_000, async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok);

  const nodes: Node[] = ["pg0", "pg1"].map((name) => ({
    name,
    pgPort: freePort(),
    restPort: freePort(),
    config: `${dir}/${name}.yml`,
  }));
  for (const node of nodes) {
    await Deno.writeTextFile(node.config, nodeConfig(node, dir, binDir, etcdClient));
    if (Deno.uid() === 0) {
      await new Deno.Command("chown", { args: ["postgres:postgres", node.config] }).output();
    }
  }
  const startNode = (node: Node) => {
    node.child = spawn(["/usr/bin/patroni", node.config], logFile);
  };
  startNode(nodes[0]);
  const rest = (node: Node, path: string) => fetch(`http://127.0.0.1:${node.restPort}${path}`);
  await until("pg0 to lead", 60_000, async () => {
    const res = await rest(nodes[0], "/primary");
    await res.body?.cancel();
    return res.status === 200;
  });
  startNode(nodes[1]);

  const cluster: PatroniCluster = {
    url: `postgres://postgres:${SUPERUSER_PASSWORD}@${
      nodes.map((n) => `127.0.0.1:${n.pgPort}`).join(",")
    }/astapa?target_session_attrs=read-write`,
    nodes,
    async leader() {
      for (const node of nodes) {
        const res = await rest(node, "/cluster").catch(() => null);
        if (!res?.ok) continue;
        const body = await res.json() as { members: { name: string; role: string }[] };
        return body.members.find((m) => m.role === "leader")?.name ?? null;
      }
      return null;
    },
    async healthy(timeoutMs = 90_000) {
      await until("a leader with a streaming synchronous standby", timeoutMs, async () => {
        for (const node of nodes) {
          const res = await rest(node, "/cluster").catch(() => null);
          if (!res?.ok) continue;
          const body = await res.json() as { members: { role: string; state: string }[] };
          const leader = body.members.some((m) => m.role === "leader" && m.state === "running");
          // Patroni 3.0 reports a replica as "running", later versions as "streaming".
          const sync = body.members.some((m) =>
            m.role === "sync_standby" && (m.state === "streaming" || m.state === "running")
          );
          return leader && sync;
        }
        return false;
      });
    },
    async kill(name) {
      const node = nodes.find((n) => n.name === name)!;
      const pid = Number((await Deno.readTextFile(`${dir}/${name}/postmaster.pid`)).split("\n")[0]);
      node.child?.kill("SIGKILL"); // setpriv and sh exec: this pid is patroni's own
      await node.child?.status;
      killQuietly(pid);
    },
    start(name) {
      startNode(nodes.find((n) => n.name === name)!);
    },
    async switchover(leader, candidate) {
      const [cmd, ...args] = asOwner([
        "/usr/bin/patronictl",
        "-c",
        nodes[0].config,
        "switchover",
        "--leader",
        leader,
        "--candidate",
        candidate,
        "--force",
      ]);
      const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
      if (!out.success) {
        throw new Error(`patronictl switchover failed: ${new TextDecoder().decode(out.stderr)}`);
      }
    },
    log: () => Deno.readTextFile(logFile).catch(() => ""),
    async stop() {
      for (const node of nodes) {
        try {
          node.child?.kill("SIGTERM");
        } catch { /* gone */ }
        // Patroni stops a synchronous primary without a time limit (primary_stop_timeout 0): bounded here, then
        // killed with its postmaster below, so a stuck shutdown cannot hold the test run.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const stopped = await Promise.race([
          node.child?.status.then(() => true),
          new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 30_000)),
        ]).finally(() => clearTimeout(timer));
        if (stopped === false) {
          console.error(`patroni cluster: ${node.name} did not stop within 30 s of SIGTERM; killed`);
          try {
            node.child?.kill("SIGKILL");
          } catch { /* gone */ }
          await node.child?.status;
        }
      }
      for (const node of nodes) {
        const pid = await Deno.readTextFile(`${dir}/${node.name}/postmaster.pid`).then(
          (text) => text.split("\n")[0],
          () => null,
        );
        if (pid) killQuietly(Number(pid));
      }
      etcd.kill("SIGKILL");
      await etcd.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      globalThis.removeEventListener("unload", orphans);
    },
  };
  // A test process that dies without stop() must not leave postmasters behind (Patroni's die with it).
  const orphans = () => {
    for (const node of nodes) {
      try {
        killQuietly(Number(Deno.readTextFileSync(`${dir}/${node.name}/postmaster.pid`).split("\n")[0]));
      } catch { /* no cluster there */ }
    }
  };
  globalThis.addEventListener("unload", orphans);
  try {
    await cluster.healthy();
    await createDatabase(binDir, nodes);
  } catch (error) {
    console.error(await cluster.log());
    await cluster.stop();
    throw error;
  }
  return cluster;
}

async function createDatabase(binDir: string, nodes: Node[]): Promise<void> {
  const [cmd, ...args] = asOwner([
    `${binDir}/psql`,
    `postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${nodes[0].pgPort}/postgres`,
    "-c",
    "create database astapa",
  ]);
  const created = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!created.success) throw new Error(`create database: ${new TextDecoder().decode(created.stderr)}`);
}

/**
 * One node's patroni.yml. ttl 10 s / loop_wait 1 s make failover quick on loopback; synchronous_mode means a
 * commit is acknowledged only once the standby has it, and only that standby may be promoted.
 */
function nodeConfig(node: Node, dir: string, binDir: string, etcdPort: number): string {
  return `scope: astapa-failover-test
name: ${node.name}
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${node.restPort}
  connect_address: 127.0.0.1:${node.restPort}
etcd:
  hosts: 127.0.0.1:${etcdPort}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 100
        wal_log_hints: "on"
        synchronous_commit: "on"
        fsync: "off"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
postgresql:
  listen: 127.0.0.1:${node.pgPort}
  connect_address: 127.0.0.1:${node.pgPort}
  data_dir: ${dir}/${node.name}
  bin_dir: ${binDir}
  pgpass: ${dir}/${node.name}.pgpass
  authentication:
    superuser:
      username: postgres
      password: ${SUPERUSER_PASSWORD}
    replication:
      username: replicator
      password: replicator-password
    rewind:
      username: postgres
      password: ${SUPERUSER_PASSWORD}
  parameters:
    unix_socket_directories: ${dir}
    shared_buffers: 32MB
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 md5
    - host all all 127.0.0.1/32 md5
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
`;
}
