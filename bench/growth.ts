/**
 * `deno task bench growth`: how the token path's cost grows with the data. Seeds GROWTH_TOKENS refresh tokens
 * (default 1,000,000) and GROWTH_CODES used authorization codes (default one per user: the hourly sweep keeps a
 * day of them) across GROWTH_PROJECTS projects and GROWTH_USERS users with generate_series, then times refresh
 * rotation and code redemption (the SQL of the token endpoint, one statement each as the server runs it) on
 * that database and on an empty one in the same cluster, in GROWTH_ROUNDS alternating rounds, and prints the EXPLAIN ANALYZE of every statement inside
 * api.rotate_refresh_token and api.redeem_authorization_code on both (auto_explain of nested statements)
 * plus table and index sizes. GROWTH_HOLD=1 keeps both databases up afterwards, for a closer look.
 */
import postgres from "postgres";
import { asApp, asAppStatement, createPool, type Sql } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { type PoolSettings, splitHosts } from "../db/pool.ts";
import { targetOptions } from "../db/target.ts";
import { redeemAuthorizationCodeCall, rotateRefreshTokenCall } from "../db/tokens.ts";
import { randomSecret, sha256 } from "../lib/secrets.ts";
import { analyze, issueCodes, type Seed, seed, startDatabase } from "./loopback/fixtures.ts";

const TOKENS = Number(Deno.env.get("GROWTH_TOKENS") ?? 1_000_000);
const PROJECTS = Number(Deno.env.get("GROWTH_PROJECTS") ?? 100);
const USERS = Number(Deno.env.get("GROWTH_USERS") ?? 100_000);
// api.sweep_grants deletes a code a day after it expired, so a deployment holds a day of sign-ins' codes, not
// one per refresh token: every user signing in once that day is already more than a real day's.
const CODES = Number(Deno.env.get("GROWTH_CODES") ?? USERS);
const SAMPLES = Number(Deno.env.get("GROWTH_SAMPLES") ?? 500);
const ROUNDS = Number(Deno.env.get("GROWTH_ROUNDS") ?? 3);

export async function growth(): Promise<void> {
  const db = await startDatabase();
  let fresh: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  try {
    fresh = await freshDatabase(db.url);
    const s = await seed(db.sql);
    const started = performance.now();
    await grow(db.sql, s);
    const seeded = `${((performance.now() - started) / 1000).toFixed(0)} s`;
    const f = await seed(fresh.sql);
    // Both databases measured in turns at the same moment, so that the machine's own drift over the seeding
    // (a quarter either way on the shared 2-core machines) is not read as growth.
    const rounds: { fresh: Timings; grown: Timings }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Statistics as autovacuum keeps them: each round adds a thousand rows, which is most of the empty
      // database and nothing to the grown one (bench/loopback/fixtures.ts analyze()).
      await analyze(fresh.sql);
      // Which database goes first alternates too, so that neither always runs in the other's wake.
      if (round % 2 === 0) {
        const freshTimings = await measure(fresh.sql, f);
        rounds.push({ fresh: freshTimings, grown: await measure(db.sql, s) });
      } else {
        const grownTimings = await measure(db.sql, s);
        rounds.push({ fresh: await measure(fresh.sql, f), grown: grownTimings });
      }
    }
    // The hourly sweep reads every refresh token to find dead families: its cost grows with the table.
    const sweeps = { fresh: await sweepMs(fresh.sql), grown: await sweepMs(db.sql) };
    const sizes = await tableSizes(db.sql);
    const hot = { fresh: await hotUpdates(fresh.sql), grown: await hotUpdates(db.sql) };
    const plans = await explained(db.url, s);
    const freshPlans = await explained(fresh.url, f);
    console.log(
      `\nSeeded ${TOKENS} refresh tokens and ${CODES} used codes over ${PROJECTS} projects and ` +
        `${USERS} users in ${seeded} (then VACUUM ANALYZE). ${ROUNDS} rounds of ${SAMPLES} sequential calls ` +
        "per call and database, one statement each, alternating an empty database and the grown one in the " +
        "same cluster; medians of the rounds.\n",
    );
    console.log(
      "| call | fresh p50 ms | fresh p99 ms | grown p50 ms | grown p99 ms | grown ÷ fresh (p50) | " +
        "grown ÷ fresh, median of the rounds' |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    const middle = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    for (const name of CALLS) {
      const median = (side: "fresh" | "grown", at: "p50" | "p99") =>
        middle(rounds.map((r) => r[side][name][at]));
      // Each round's two databases ran minutes apart at most: their ratio leaves out the machine's drift
      // between rounds, which the ratio of the two medians does not.
      const ratio = middle(rounds.map((r) => r.grown[name].p50 / r.fresh[name].p50));
      const [a50, a99, b50, b99] = [
        median("fresh", "p50"),
        median("fresh", "p99"),
        median("grown", "p50"),
        median("grown", "p99"),
      ];
      console.log(
        `| ${name} | ${a50.toFixed(2)} | ${a99.toFixed(2)} | ${b50.toFixed(2)} | ${b99.toFixed(2)} | ` +
          `${(b50 / a50).toFixed(2)} | ${ratio.toFixed(2)} |`,
      );
    }
    const perRound = rounds.map((r, i) =>
      `round ${i + 1}: ` +
      CALLS.map((name) => `${name} ${r.fresh[name].p50.toFixed(2)} → ${r.grown[name].p50.toFixed(2)}`)
        .join(", ")
    );
    console.log(`\np50 ms, fresh → grown, per round:\n${perRound.join("\n")}`);
    const [sweptFresh, sweptGrown] = [sweeps.fresh.toFixed(0), sweeps.grown.toFixed(0)];
    console.log(
      `\nThe hourly grant sweep (nothing to delete): fresh ${sweptFresh} ms, grown ${sweptGrown} ms.`,
    );
    console.log(
      `Updates that were HOT (no index entries written), fresh / grown: ${hot.fresh} / ${hot.grown}.`,
    );
    console.log(`\n${sizes}\n\n## Grown\n\n${plans}\n\n## Fresh\n\n${freshPlans}`);
    if (Deno.env.get("GROWTH_HOLD")) await hold(db.url, fresh?.url);
  } finally {
    await fresh?.stop();
    await db.stop();
  }
}

/** GROWTH_HOLD=1: both databases stay up for a look (psql, a profile) until Enter or Ctrl-C. */
async function hold(grown: string, freshUrl: string | undefined): Promise<void> {
  console.log(`\nHolding the databases: grown ${grown}\nfresh ${freshUrl}\nEnter or Ctrl-C ends.`);
  const interrupted = new Promise<void>((resolve) => Deno.addSignalListener("SIGINT", resolve));
  const entered = Deno.stdin.read(new Uint8Array(1)).then(() => {});
  await Promise.race([interrupted, entered]);
}

const CALLS = ["api.rotate_refresh_token", "api.redeem_authorization_code"] as const;
type Timings = Record<typeof CALLS[number], { p50: number; p99: number }>;

/** One connection of its own, over the socket when the URL names one (`?host=/dir`, as the bench's cluster). */
function oneSession(url: string, settings: PoolSettings) {
  const [target] = splitHosts(url).targets;
  return postgres(target.url, targetOptions(target, { ...settings, max: 1 }));
}

/** An empty, migrated database beside the one that grows, in the same cluster. */
async function freshDatabase(clusterUrl: string) {
  const admin = oneSession(clusterUrl, { onnotice: () => {} });
  await admin.unsafe("create database astapa_growth_fresh");
  await admin.end();
  const url = new URL(clusterUrl);
  url.pathname = "/astapa_growth_fresh";
  const sql = createPool(url.href, { max: 4, applicationName: "astapa-bench" });
  await migrate(sql);
  return { url: url.href, sql, stop: () => sql.end({ timeout: 5 }) };
}

/** Rotation (a chain, as a client refreshes) and redemption, timed one call at a time. */
async function measure(sql: Sql, s: Seed): Promise<Timings> {
  const codes = await issueCodes(sql, s, SAMPLES + 1, "");
  let refresh = randomSecret();
  // The chain starts from a real redemption.
  const first = codes.pop()!;
  const [started] = await asApp(
    sql,
    s.project.id,
    async (tx) =>
      tx`select ${
        redeemAuthorizationCodeCall(sql, {
          codeHash: await sha256(first),
          clientId: s.project.clientId,
          redirectUri: s.project.redirectUri,
          codeVerifier: s.verifier,
          refreshHash: await sha256(refresh),
        })
      } as result`,
  );
  let lookupId: string = started.result.refresh_token_id;
  const rotations: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const successor = randomSecret();
    const presented = { lookupId, secretHash: await sha256(refresh) };
    const successorHash = await sha256(successor);
    const t0 = performance.now();
    const [row] = await asAppStatement(
      sql,
      s.project.id,
      (app) =>
        sql`with ${app} select ${
          rotateRefreshTokenCall(sql, { presented, clientId: s.project.clientId, successorHash, scope: null })
        } as result from app`,
    );
    rotations.push(performance.now() - t0);
    if (row.result?.error) throw new Error(JSON.stringify(row.result));
    [refresh, lookupId] = [successor, row.result.refresh_token_id];
  }
  const redemptions: number[] = [];
  for (const code of codes) {
    const [codeHash, refreshHash] = [await sha256(code), await sha256(randomSecret())];
    const t0 = performance.now();
    const [row] = await asAppStatement(
      sql,
      s.project.id,
      (app) =>
        sql`with ${app} select ${
          redeemAuthorizationCodeCall(sql, {
            codeHash,
            clientId: s.project.clientId,
            redirectUri: s.project.redirectUri,
            codeVerifier: s.verifier,
            refreshHash,
          })
        } as result from app`,
    );
    redemptions.push(performance.now() - t0);
    if (row.result?.error) throw new Error(JSON.stringify(row.result));
  }
  return {
    "api.rotate_refresh_token": stats(rotations),
    "api.redeem_authorization_code": stats(redemptions),
  };
}

/** Per table the sign-ins update, HOT updates of all updates: a full page makes an update write every index. */
async function hotUpdates(sql: Sql): Promise<string> {
  const rows = await sql`
    select relname, n_tup_hot_upd as hot, n_tup_upd as all from pg_stat_user_tables
    where schemaname = 'astapa' and relname in ('users', 'authorization_codes', 'refresh_tokens')
    order by relname`;
  return rows.map((r) => `${r.relname} ${r.hot}/${r.all}`).join(", ");
}

async function sweepMs(sql: Sql): Promise<number> {
  const t0 = performance.now();
  await asApp(sql, null, (tx) => tx`select api.sweep_grants()`);
  return performance.now() - t0;
}

function stats(samples: number[]) {
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/**
 * Projects, users and TOKENS refresh tokens (families of 10: one live token, nine used ones, as rotation
 * leaves them) plus CODES used codes, spread evenly; a tenth of the users belong to the benchmark project.
 */
async function grow(sql: Sql, s: Seed): Promise<void> {
  // Ids in the alphabet their checks allow: digits spelled as letters.
  await sql`insert into astapa.projects (id, name, client_id, client_secret_hash, redirect_uris)
    select 'proj_' || translate(lpad(g::text, 16, '0'), '0123456789', 'abcdefghij'), 'Growth ' || g,
           'cid_' || translate(lpad(g::text, 24, '0'), '0123456789', 'abcdefghij'),
           sha256(convert_to('secret' || g, 'UTF8')), array['https://growth.example/callback']
    from generate_series(1, ${PROJECTS - 1}) g`;
  await sql`insert into astapa.users (project_id, email, email_verified, environment)
    select case when g % ${PROJECTS} = 0 then ${s.project.id}
                else 'proj_' || translate(lpad((g % ${PROJECTS})::text, 16, '0'), '0123456789', 'abcdefghij') end,
           'user' || g || '@growth.example', true, 'sandbox'
    from generate_series(1, ${USERS}) g`;
  await sql`create temporary table growth_users as
    select project_id, id, row_number() over () as n from astapa.users where email like '%@growth.example'`;
  // Lookup ids as the grants make them (UUID version 7), their times spread over the 30 days the tokens live.
  await sql`insert into astapa.refresh_tokens (project_id, lookup_id, token_hash, family_id, user_id, client_id,
                                               expires_at, used_at)
    select u.project_id,
           encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
             placing substr(int8send(((extract(epoch from now()) - 2592000 + g * (2592000.0 / ${TOKENS})) * 1000)
                                     ::bigint), 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid,
           sha256(convert_to('rt' || g, 'UTF8')),
           md5('family' || (g / 10))::uuid, u.id, 'cid_growth', now() + interval '30 days',
           case when g % 10 <> 9 then now() end
    from generate_series(0, ${TOKENS - 1}) g
    join growth_users u on u.n = 1 + (g / 10) % ${USERS}`;
  await sql`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
                                                    auth_time, expires_at, redeemed_at)
    select u.project_id, sha256(convert_to('code' || g, 'UTF8')), 'cid_growth', u.id,
           'https://growth.example/callback', now(), now() + interval '10 minutes', now()
    from generate_series(0, ${CODES - 1}) g
    join growth_users u on u.n = 1 + g % ${USERS}`;
  await sql`vacuum analyze`;
}

async function tableSizes(sql: Sql): Promise<string> {
  const rows = await sql`
    select c.relname as name, c.reltuples::bigint as rows,
           pg_size_pretty(pg_relation_size(c.oid)) as heap, pg_size_pretty(pg_indexes_size(c.oid)) as indexes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'astapa' and c.relname in ('refresh_tokens', 'authorization_codes', 'users', 'projects')
    order by c.relname`;
  return [
    "| table | rows | heap | indexes |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.name} | ${r.rows} | ${r.heap} | ${r.indexes} |`),
  ].join("\n");
}

/** EXPLAIN ANALYZE of the statements inside one rotation and one redemption, via auto_explain. */
async function explained(url: string, s: Seed): Promise<string> {
  const notices: string[] = [];
  const one = oneSession(url, { onnotice: (n) => notices.push(n.message) });
  try {
    await one`load 'auto_explain'`;
    await one`select set_config('auto_explain.log_min_duration', '0', false),
                     set_config('auto_explain.log_analyze', 'on', false),
                     set_config('auto_explain.log_buffers', 'on', false),
                     set_config('auto_explain.log_nested_statements', 'on', false),
                     set_config('client_min_messages', 'log', false)`;
    const [code] = await issueCodes(one as unknown as Sql, s, 1, "");
    notices.length = 0;
    const refresh = randomSecret();
    const [refreshHash, codeHash, successorHash] = [
      await sha256(refresh),
      await sha256(code),
      await sha256(randomSecret()),
    ];
    const [redeemed] = await asAppStatement(
      one as unknown as Sql,
      s.project.id,
      (app) =>
        one`with ${app} select ${
          redeemAuthorizationCodeCall(one as unknown as Sql, {
            codeHash,
            clientId: s.project.clientId,
            redirectUri: s.project.redirectUri,
            codeVerifier: s.verifier,
            refreshHash,
          })
        } as result from app`,
    );
    const redemption = notices.splice(0);
    const lookupId = redeemed.result.refresh_token_id;
    await asAppStatement(
      one as unknown as Sql,
      s.project.id,
      (app) =>
        one`with ${app} select ${
          rotateRefreshTokenCall(one as unknown as Sql, {
            presented: { lookupId, secretHash: refreshHash },
            clientId: s.project.clientId,
            successorHash,
            scope: null,
          })
        } from app`,
    );
    const rotation = notices.splice(0);
    // Only the statements that touch the growing tables; the rest (settings, claims) do not depend on them.
    const block = (title: string, lines: string[]) =>
      `### ${title}\n\n${lines.length} statements ran inside it; those on the growing tables:\n\n\`\`\`\n${
        lines.filter((l) => /astapa\.(refresh_tokens|authorization_codes)\b/.test(l) && !l.includes("app as"))
          .map((l) => l.trim()).join("\n\n")
      }\n\`\`\``;
    return `${block("EXPLAIN ANALYZE inside api.redeem_authorization_code", redemption)}\n\n${
      block("EXPLAIN ANALYZE inside api.rotate_refresh_token", rotation)
    }`;
  } finally {
    await one.end();
  }
}
