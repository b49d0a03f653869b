/**
 * @astapa/sdk as Node and Deno developers get it: built (ESM + .d.ts), `npm pack`ed, installed into scratch
 * projects — Node + Express, Node + Hono, Node + Fastify, a Next.js App Router project (the real `next`: route
 * handlers and proxy middleware, built with `next build` and served by `next start`), and the fetch-handler
 * form on Deno (resolved from node_modules) — each of which signs a person in through the served Astapa's hosted login, verifies the
 * token, is refused then let through its plan gate, changes the plan through the Claims API and refreshes.
 *
 * npm installs are kept in .tmp/ (git-ignored) between runs, so only the first run downloads packages (Next.js:
 * ~360 MB, about half a minute; its build about as long again).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { submitForm } from "../helpers/login.ts";
import { buildSdkPackage } from "@/sdk/build.ts";
import { closedPort } from "../helpers/ports.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SCRATCH = new URL("./scratch/", import.meta.url).pathname;
const WORK = join(ROOT, ".tmp");

Deno.test("sdk package — its version is the server's (deno.json), in package.json and jsr.json alike", async () => {
  const read = async (path: string) => JSON.parse(await Deno.readTextFile(join(ROOT, path))).version;
  const server = await read("deno.json");
  assert.match(server, /^\d+\.\d+\.\d+/);
  assert.equal(await read("sdk/package.json"), server);
  assert.equal(await read("sdk/jsr.json"), server);
});

const tarball = await buildSdkPackage(join(WORK, "sdk-package"));
const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "http://localhost:3000/callback" });
await asApp(
  t.db.sql,
  project.id,
  (tx) => tx`select api.create_plan(${project.id}, '{"key": "pro", "name": "Pro"}')`,
);

type Scratch = {
  name: string;
  dependencies: Record<string, string>;
  command: string[];
  /** A folder under scratch/ copied whole (the Next.js project), instead of the command's one file. */
  folder?: string;
  /** Run once after installing (next build). */
  build?: string[];
  /** Extra paths gated like /pro (the Next.js middleware's). */
  gated?: string[];
};
const SCRATCHES: Scratch[] = [
  { name: "express", dependencies: { express: "5.1.0" }, command: ["node", "express.mjs"] },
  {
    name: "hono",
    dependencies: { hono: "4.13.19", "@hono/node-server": "1.19.19" },
    command: ["node", "hono.mjs"],
  },
  { name: "fastify", dependencies: { fastify: "5.6.1" }, command: ["node", "fastify.mjs"] },
  { name: "fetch", dependencies: {}, command: [Deno.execPath(), "run", "-A", "fetch.mjs"] },
  {
    name: "next",
    dependencies: { next: "16.5.0", react: "19.2.0", "react-dom": "19.2.0" },
    folder: "next",
    build: ["node_modules/.bin/next", "build"],
    // next start has no "port 0"; it prints "Local: http://127.0.0.1:<port>" and then "Ready".
    command: ["node_modules/.bin/next", "start", "-H", "127.0.0.1", "-p", "PORT"],
    gated: ["/members/report"],
  },
];

/** The environment every scratch app reads (common.mjs). */
const scratchEnv = () => ({
  ASTAPA_URL: t.origin,
  ASTAPA_CLIENT_ID: project.clientId,
  ASTAPA_CLIENT_SECRET: project.secret,
  ASTAPA_REDIRECT_URI: project.redirectUri,
  NEXT_TELEMETRY_DISABLED: "1",
});

/** A scratch project with the packed SDK (and its framework) installed from npm. */
async function install(scratch: Scratch): Promise<string> {
  const dir = join(WORK, "sdk-scratch", scratch.name);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.copyFile(join(SCRATCH, "common.mjs"), join(dir, "common.mjs"));
  if (scratch.folder) await copyFolder(join(SCRATCH, scratch.folder), dir);
  else await Deno.copyFile(join(SCRATCH, scratch.command.at(-1)!), join(dir, scratch.command.at(-1)!));
  const manifest = {
    name: `astapa-scratch-${scratch.name}`,
    private: true,
    type: "module",
    dependencies: { "@astapa/sdk": `file:${tarball}`, ...scratch.dependencies },
  };
  await Deno.writeTextFile(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  // The tarball keeps its version between builds: drop the installed copy so npm takes the new one.
  await Deno.remove(join(dir, "node_modules", "@astapa"), { recursive: true }).catch(() => {});
  await Deno.remove(join(dir, "package-lock.json")).catch(() => {});
  const npm = await new Deno.Command("npm", {
    args: ["install", "--no-audit", "--no-fund", "--silent"],
    cwd: dir,
    stdin: "null",
  }).output();
  assert.equal(npm.code, 0, new TextDecoder().decode(npm.stderr));
  if (scratch.build) {
    const built = await new Deno.Command(scratch.build[0], {
      args: scratch.build.slice(1),
      cwd: dir,
      env: scratchEnv(),
      stdin: "null",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    assert.equal(built.code, 0, `${decode(built.stdout)}\n${decode(built.stderr)}`);
  }
  return dir;
}

async function copyFolder(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyFolder(join(from, entry.name), join(to, entry.name));
    else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/** Starts the scratch app and waits for its "listening <port>" line. */
async function start(scratch: Scratch, dir: string) {
  const fixedPort = scratch.command.includes("PORT") ? String(closedPort()) : "0";
  const child = new Deno.Command(scratch.command[0], {
    args: scratch.command.slice(1).map((arg) => arg === "PORT" ? fixedPort : arg),
    cwd: dir,
    env: { PORT: fixedPort, ...scratchEnv() },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = new Response(child.stderr).text();
  let output = "";
  let port: number | undefined;
  const timer = setTimeout(() => child.kill(), 60_000);
  while (port === undefined) {
    const { value, done } = await stdout.read();
    if (done) break;
    output += value;
    const match = /listening (\d+)/.exec(output) ??
      (/Ready in/.test(output) ? /Local:\s+http:\/\/[\d.]+:(\d+)/.exec(output) : null);
    if (match) port = Number(match[1]);
  }
  clearTimeout(timer);
  if (port === undefined) assert.fail(`${scratch.name} did not start:\n${output}\n${await stderr}`);
  const drained = (async () => {
    while (!(await stdout.read()).done) { /* keep the pipe flowing */ }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill();
      await child.status;
      await Promise.all([drained, stderr]);
    },
  };
}

for (const scratch of SCRATCHES) {
  Deno.test(`sdk package — ${scratch.name}: sign in, verify, plan gate, Claims API, refresh`, async () => {
    const dir = await install(scratch);
    const app = await start(scratch, dir);
    try {
      const get = async (path: string, token?: string) => {
        const res = await fetch(`${app.url}${path}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        return { status: res.status, body: await res.json() };
      };
      const login = (await get("/login")).body;
      const sent = new URL(login.url).searchParams;
      assert.equal(sent.get("code_challenge_method"), "S256");
      // The person signs up on the hosted login page the app sent them to.
      const params = Object.fromEntries(
        ["state", "scope", "code_challenge", "code_challenge_method"].map((k) => [k, sent.get(k)!]),
      );
      const email = `${scratch.name}-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const signedUp = await submitForm(
        t,
        project,
        "/auth/signup",
        { email, password: "correct horse" },
        params,
      );
      assert.equal(signedUp.status, 303);
      const back = new URL(signedUp.headers.get("location")!);
      assert.equal(back.searchParams.get("state"), login.state);

      const query = new URLSearchParams({
        code: back.searchParams.get("code")!,
        verifier: login.codeVerifier,
      });
      const signedIn = await get(`/callback?${query}`);
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      const { tokens, claims } = signedIn.body;
      assert.equal(claims.email, email);
      assert.equal(claims.custom_claims.plan, "free");

      assert.equal((await get("/pro")).status, 401);
      const refused = await get("/pro", tokens.accessToken);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error, "forbidden");
      assert.deepEqual((await get("/scoped", tokens.accessToken)).body, { sub: claims.sub });

      const upgraded = await get(`/upgrade?${new URLSearchParams({ sub: claims.sub, plan: "pro" })}`);
      assert.equal(upgraded.status, 200, JSON.stringify(upgraded.body));
      const refreshed = await get(`/refresh?${new URLSearchParams({ token: tokens.refreshToken })}`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(refreshed.body.claims.custom_claims.plan, "pro");
      assert.deepEqual(await get("/pro", refreshed.body.tokens.accessToken), {
        status: 200,
        body: { sub: claims.sub },
      });
      for (const path of scratch.gated ?? []) {
        assert.equal((await get(path)).status, 401, path);
        assert.equal((await get(path, tokens.accessToken)).status, 403, path);
        assert.deepEqual(await get(path, refreshed.body.tokens.accessToken), {
          status: 200,
          body: { sub: claims.sub },
        });
      }
    } finally {
      await app.stop();
    }
  });
}
