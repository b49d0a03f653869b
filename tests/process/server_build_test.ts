/**
 * `deno task build` (lib/build/server_build.ts): the JavaScript copy of the server that `deno task start` runs
 * serves what the checkout serves, and the build refuses an import it cannot rename.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copyCheckout, startServer } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { BuildError, renameImports } from "@/lib/build/server_build.ts";
import { waitFor } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function filesUnder(folder: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) files.push(...await filesUnder(path));
    else files.push(path);
  }
  return files;
}

Deno.test("server build — imports renamed to the build's .js files, others refused", () => {
  const code = [
    `import { a } from "./a.ts";`,
    `export { b } from "../b.tsx";`,
    `import "./side.ts";`,
    `import { routes } from "@/lib/router/routes.ts";`,
    `import { Hono } from "hono";`,
    `const lazy = () => import("./lazy.tsx");`,
  ].join("\n");
  assert.equal(
    renameImports(code, "routes/token.ts"),
    [
      `import { a } from "./a.js";`,
      `export { b } from "../b.js";`,
      `import "./side.js";`,
      `import { routes } from "../lib/router/routes.js";`,
      `import { Hono } from "hono";`,
      `const lazy = () => import("./lazy.js");`,
    ].join("\n"),
  );
  assert.equal(renameImports(`import { x } from "@/db/x.ts";`, "main.ts"), `import { x } from "./db/x.js";`);
  assert.throws(
    () => renameImports(`new Worker(new URL("./worker.ts", import.meta.url));`, "lib/w.ts"),
    (error) => error instanceof BuildError && /lib\/w\.ts: "\.\/worker\.ts"/.test(error.message),
  );
});

Deno.test({
  name: "server build — the built server starts, serves tokens, pages, lazy families, islands and workers",
  sanitizeResources: false,
  async fn() {
    const clone = await Deno.makeTempDir({ prefix: "astapa-build-" });
    const db = await testDatabase();
    try {
      await copyCheckout(clone);
      await Deno.symlink(join(ROOT, "node_modules"), join(clone, "node_modules"));
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["task", "-q", "build"],
        cwd: clone,
        env: { NO_COLOR: "1" },
      }).output();
      assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));

      const built = (await filesUnder(join(clone, "_build"))).map((file) => file.slice(clone.length + 8));
      const routes = built.filter((file) => file.startsWith("routes/"));
      assert.ok(routes.length > 50 && routes.every((file) => file.endsWith(".js")), "routes hold .js alone");
      assert.ok(!built.some((file) => /_test\.(tsx?|js)$/.test(file)), "no test is built");
      for (const file of ["main.js", "db/migrations", "db/schema.sql", "static/", "docs/", "islands/"]) {
        assert.ok(built.some((path) => path.startsWith(file)), `${file} is in the build`);
      }

      const project = await seedProject(db.sql);
      const server = await startServer(
        {
          DATABASE_URL: db.url,
          ASTAPA_MASTER_KEY: TEST_MASTER_KEY,
          ASTAPA_WORKERS: "2", // the serving thread's module is found by its built name
          HOSTNAME: "127.0.0.1",
        },
        180_000,
        { cwd: clone, args: ["run", "-A", "--unstable-net", "_build/main.js"] },
      );
      try {
        // A hang guard: a server whose threads never get ready fails here with its output, not at the runner's limit.
        await waitFor(
          () => server.output.some((line) => line.includes('"msg":"serving threads ready"')),
          'the built server\'s "serving threads ready" line',
          120_000,
          () => server.output.join("\n"),
        );
        const token = await fetch(`${server.url}/api/platform/token`, {
          method: "POST",
          headers: {
            authorization: basic(project.clientId, project.secret),
            "content-type": "application/x-www-form-urlencoded",
          },
          body: "grant_type=client_credentials",
        });
        const grant = await token.json();
        assert.equal(token.status, 200, JSON.stringify(grant));
        assert.equal(grant.access_token.split(".").length, 3);

        const login = await fetch(
          `${server.url}/auth/login?${new URLSearchParams({
            response_type: "code",
            client_id: project.clientId,
            redirect_uri: project.redirectUri,
            scope: "openid",
            state: "s",
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            code_challenge_method: "S256",
          })}`,
        );
        const html = await login.text();
        assert.equal(login.status, 200, html);
        const script = /src="(\/static\/build\/[^"]+\.js)"/.exec(html);
        assert.ok(script, "the login page loads the island client");
        const client = await fetch(server.url + script[1]);
        assert.equal(client.status, 200);
        await client.body?.cancel();

        const docs = await fetch(`${server.url}/docs`); // a lazy family, loaded on this request
        assert.equal(docs.status, 200);
        assert.match(await docs.text(), /<html/);

        const missing = await fetch(`${server.url}/no-such-page`, { headers: { accept: "text/html" } });
        assert.equal(missing.status, 404);
        assert.match(await missing.text(), /<html/, "the error page renders");
      } finally {
        assert.equal(await server.stop("SIGTERM"), 0, server.output.join("\n"));
      }
    } finally {
      await db.close();
      await Deno.remove(clone, { recursive: true });
    }
  },
});
