/** The benchmark's database: a throwaway embedded Postgres, migrated, with one project, users and codes. */
import { asApp, createPool, type Sql } from "@/db/client.ts";
import { startEmbeddedPostgres } from "@/db/embedded.ts";
import { migrate } from "@/db/migrate.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { type SeededProject, seedProject, seedUser } from "@/tests/helpers/identity.ts";
import { pkcePair } from "@/tests/helpers/oauth.ts";

export const SCOPE = "reports:read";

export type BenchDatabase = {
  url: string;
  sql: Sql;
  /** The cluster's postmaster and its children (backends, background workers): whose CPU is this bench's. */
  processes(): number[];
  stop(): Promise<void>;
};

/** Starts Postgres in a temp folder (no fsync: a benchmark, not a deployment) and migrates it. */
export async function startDatabase(): Promise<BenchDatabase> {
  const dir = await Deno.makeTempDir({ prefix: "astapa-bench-pg-" });
  const cluster = await startEmbeddedPostgres(dir, { durable: false, maxConnections: 200 });
  const sql = createPool(cluster.url, { max: 4, applicationName: "astapa-bench" });
  await migrate(sql);
  return {
    // The servers reach it as the embedded default does, through its Unix socket; BENCH_TCP=1 over loopback
    // TCP, as a Postgres on another machine is reached (docs/performance.md, "Session 17").
    url: Deno.env.get("BENCH_TCP") ? cluster.url : cluster.localUrl,
    sql,
    processes: () => clusterProcesses(cluster.dataDir),
    async stop() {
      await sql.end({ timeout: 5 });
      await cluster.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The postmaster named in the data directory's postmaster.pid, and every process it started. */
function clusterProcesses(dataDir: string): number[] {
  const postmaster = Number(Deno.readTextFileSync(`${dataDir}/postmaster.pid`).split("\n")[0]);
  const pids = [postmaster];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      // The parent's pid is the second field after the command, which is in parentheses.
      const parent = Number(Deno.readTextFileSync(`/proc/${entry.name}/stat`).split(") ")[1].split(" ")[1]);
      if (parent === postmaster) pids.push(Number(entry.name));
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * Statistics as autovacuum keeps them in a deployment: run once a scenario's data is in, before its load. A
 * freshly seeded table has none, and Postgres then plans a refresh token's lookup on the (project, client)
 * index — reading every token of the client, about 2,500 entries a refresh in a 5-second round — which no
 * database that has run for a minute does (docs/performance.md "Session 11", statistics).
 */
export async function analyze(sql: Sql): Promise<void> {
  await sql`analyze`;
}

export type Seed = { project: SeededProject; userId: string; verifier: string; challenge: string };

/** The hosted login page of the seeded project's client (valid client and redirect URI), path and query. */
export function loginPagePath(s: Seed): string {
  return `/auth/login?${new URLSearchParams({
    response_type: "code",
    client_id: s.project.clientId,
    redirect_uri: s.project.redirectUri,
    scope: "openid",
    state: "bench-state",
    code_challenge: s.challenge,
    code_challenge_method: "S256",
  })}`;
}

export async function seed(sql: Sql): Promise<Seed> {
  const project = await seedProject(sql, {
    name: "Bench",
    settings: { client_credentials_scopes: [SCOPE] },
  });
  const userId = await seedUser(sql, project.id, "bench@example.com", { verified: true });
  return { project, userId, ...(await pkcePair()) };
}

/** `count` authorization codes with PKCE S256 for the seeded user, as the hosted login would issue them. */
export function issueCodes(sql: Sql, s: Seed, count: number, scope: string): Promise<string[]> {
  return issueCodesFor(sql, s, s.userId, count, scope);
}

/** issueCodes for another user of the seeded project. */
export async function issueCodesFor(
  sql: Sql,
  s: Seed,
  userId: string,
  count: number,
  scope: string,
): Promise<string[]> {
  const codes = Array.from({ length: count }, () => randomSecret());
  const hashes = await Promise.all(codes.map((code) => sha256(code)));
  await asApp(sql, s.project.id, async (tx) => {
    // Pipelined in one transaction: thousands of codes in about a second.
    await Promise.all(
      hashes.map((hash) =>
        tx`select api.issue_authorization_code(${hash}, ${s.project.clientId}, ${userId},
           ${s.project.redirectUri}, ${scope}, null, ${s.challenge}, 'S256', null, now(), 600)`
      ),
    );
  });
  return codes;
}

/**
 * One code for each of `count` new users: the starts of refresh chains. One user per chain, as clients
 * refreshing at the same moment belong to different people: chains of a single user would all lock that
 * user's row (the foreign key check of every new refresh token), a contention real traffic does not have.
 */
export function issueUserCodes(sql: Sql, s: Seed, count: number): Promise<string[]> {
  return issueCodesAcrossPeople(sql, s, count, "", count);
}

/**
 * `count` codes (issueCodes') for `people` new users, interleaved so that the codes redeemed at the same moment
 * belong to different people, as at a real token endpoint: a redemption updates its user's row (the last
 * sign-in), and codes of one person redeemed 50 at a time would queue on that row's lock.
 */
export async function issueCodesAcrossPeople(
  sql: Sql,
  s: Seed,
  count: number,
  scope: string,
  people = 200,
): Promise<string[]> {
  const batch = crypto.randomUUID().slice(0, 8);
  const each = Math.ceil(count / people);
  const perPerson: string[][] = [];
  for (let i = 0; i < people; i++) {
    const userId = await seedUser(sql, s.project.id, `signer-${batch}-${i}@example.com`, { verified: true });
    perPerson.push(await issueCodesFor(sql, s, userId, each, scope));
  }
  return Array.from({ length: each }, (_, round) => perPerson.map((codes) => codes[round])).flat().slice(
    0,
    count,
  );
}
