/**
 * @astapa/sdk as Node and Deno developers get it: built (ESM + .d.ts), `npm pack`ed, installed into scratch
 * projects — Node + Express, Node + Hono, Node + Fastify, and the fetch-handler form on Deno (resolved from
 * node_modules) — each of which signs a person in through the served Astapa's hosted login, verifies the
 * token, is refused then let through its plan gate, changes the plan through the Claims API and refreshes.
 *
 * npm installs are kept in .tmp/ (git-ignored) between runs, so only the first run downloads packages.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { submitForm } from "../helpers/login.ts";
import { buildSdkPackage } from "@/sdk/build.ts";

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

type Scratch = { name: string; dependencies: Record<string, string>; command: string[] };
const SCRATCHES: Scratch[] = [
  { name: "express", dependencies: { express: "5.1.0" }, command: ["node", "express.mjs"] },
  {
    name: "hono",
    dependencies: { hono: "4.13.19", "@hono/node-server": "1.19.19" },
    command: ["node", "hono.mjs"],
  },
  { name: "fastify", dependencies: { fastify: "5.6.1" }, command: ["node", "fastify.mjs"] },
  { name: "fetch", dependencies: {}, command: [Deno.execPath(), "run", "-A", "fetch.mjs"] },
];

/** A scratch project with the packed SDK (and its framework) installed from npm. */
async function install(scratch: Scratch): Promise<string> {
  const dir = join(WORK, "sdk-scratch", scratch.name);
  await Deno.mkdir(dir, { recursive: true });
  for (const file of ["common.mjs", scratch.command.at(-1)!]) {
    await Deno.copyFile(join(SCRATCH, file), join(dir, file));
  }
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
  return dir;
}

/** Starts the scratch app and waits for its "listening <port>" line. */
async function start(scratch: Scratch, dir: string) {
  const child = new Deno.Command(scratch.command[0], {
    args: scratch.command.slice(1),
    cwd: dir,
    env: {
      PORT: "0",
      ASTAPA_URL: t.origin,
      ASTAPA_CLIENT_ID: project.clientId,
      ASTAPA_CLIENT_SECRET: project.secret,
      ASTAPA_REDIRECT_URI: project.redirectUri,
    },
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
    const match = /listening (\d+)/.exec(output);
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
    } finally {
      await app.stop();
    }
  });
}
