/**
 * Moving to a new master key (ASTAPA_MASTER_KEY_PREVIOUS, lib/tokens/master_key.ts): what an earlier secret sealed
 * opens with the same purpose's earlier key, for every sealing purpose; purposes and contexts stay apart; what is
 * sealed now needs only the new secret; what a browser brings back (openFromBrowser) opens with the current key
 * only; the list is checked at start; a deployment restarted on a new key keeps
 * signing with the signing key sealed under the old one, and without the old one listed stops at start saying so.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "@/config.ts";
import { createApp } from "@/lib/app.ts";
import { createDeps } from "@/lib/deps.ts";
import {
  deriveMasterKeys,
  loadMasterKeys,
  type MasterKeys,
  open,
  openFromBrowser,
  seal,
} from "@/lib/tokens/master_key.ts";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";

const OLDEST = "oldest-master-secret-".padEnd(44, "x");
const OLD = "old-master-secret-".padEnd(44, "o");
const NEW = "new-master-secret-".padEnd(44, "n");
const PURPOSES = ["sealing", "payments", "social", "factors", "phone"] as const;
const text = new TextEncoder().encode("sealed in the old days");

const keysOf = (env: Record<string, string>) => loadMasterKeys(loadConfig(env));

Deno.test("master key — an earlier secret's seals open with the same purpose's key; new seals need the new secret only", async () => {
  const old = await deriveMasterKeys(OLD);
  const sealed = Object.fromEntries(
    await Promise.all(PURPOSES.map(async (p) => [p, await seal(old[p], text, `context ${p}`)] as const)),
  );
  const rotated = await keysOf({ ASTAPA_MASTER_KEY: NEW, ASTAPA_MASTER_KEY_PREVIOUS: `${OLDEST}, ${OLD}` });
  for (const purpose of PURPOSES) {
    assert.deepEqual(await open(rotated[purpose], sealed[purpose], `context ${purpose}`), text, purpose);
  }
  // Another purpose's key, another context: refused, as before.
  await assert.rejects(open(rotated.payments, sealed.sealing, "context sealing"));
  await assert.rejects(open(rotated.sealing, sealed.sealing, "context payments"));
  // Without the earlier secret, nothing it sealed opens.
  const newOnly = await keysOf({ ASTAPA_MASTER_KEY: NEW });
  await assert.rejects(open(newOnly.sealing, sealed.sealing, "context sealing"));
  // What is sealed now is the new secret's alone: the earlier one's keys do not open it.
  const fresh = await seal(rotated.factors, text, "context factors");
  assert.deepEqual(await open(newOnly.factors, fresh, "context factors"), text);
  await assert.rejects(open(old.factors, fresh, "context factors"));
});

Deno.test("master key — what a browser brings back opens with the current key only, never an earlier secret's", async () => {
  const old = await deriveMasterKeys(OLD);
  const rotated = await keysOf({ ASTAPA_MASTER_KEY: NEW, ASTAPA_MASTER_KEY_PREVIOUS: OLD });
  const cookie = await seal(old.social, text, "a cookie");
  assert.deepEqual(await open(rotated.social, cookie, "a cookie"), text, "at rest it would open");
  await assert.rejects(openFromBrowser(rotated.social, cookie, "a cookie"));
  const current = await seal(rotated.social, text, "a cookie");
  assert.deepEqual(await openFromBrowser(rotated.social, current, "a cookie"), text);
  await assert.rejects(openFromBrowser(rotated.social, current, "another cookie"));
});

Deno.test("master key — ASTAPA_MASTER_KEY_PREVIOUS is checked at start: each at least 32 characters", () => {
  assert.throws(
    () => loadConfig({ ASTAPA_MASTER_KEY: NEW, ASTAPA_MASTER_KEY_PREVIOUS: `${OLD},short` }),
    (error: Error) =>
      error instanceof ConfigError && /ASTAPA_MASTER_KEY_PREVIOUS.*32 characters/s.test(error.message),
  );
  assert.deepEqual(
    loadConfig({ ASTAPA_MASTER_KEY: NEW, ASTAPA_MASTER_KEY_PREVIOUS: ` ${OLD} ,${OLDEST}` })
      .previousMasterKeys,
    [OLD, OLDEST],
  );
  assert.deepEqual(loadConfig({ ASTAPA_MASTER_KEY: NEW }).previousMasterKeys, []);
});

Deno.test("master key — restarted on a new key with the old one as previous, the server signs with its stored key", async () => {
  const before = await testApp({ env: { ASTAPA_MASTER_KEY: OLD } });
  const project = await seedProject(before.db.sql);
  const token = (app: typeof before.app) =>
    app.request("/api/platform/token", {
      method: "POST",
      headers: {
        authorization: basic(project.clientId, project.secret),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
  const kid = async (response: Response) => {
    assert.equal(response.status, 200);
    const { access_token } = await response.json();
    return JSON.parse(atob(access_token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/"))).kid as string;
  };
  const signedBefore = await kid(await token(before.app));
  // A second instance of the deployment, started with the new secret and the old one as previous.
  // A second instance of the deployment started with the new secret: with the old one as previous, and without.
  const instance = async (env: Record<string, string>) => {
    const config = loadConfig({
      ASTAPA_BASE_URL: before.origin,
      DATABASE_URL: before.db.url,
      PWNED_PASSWORDS_URL: "off",
      ASTAPA_MASTER_KEY: NEW,
      ...env,
    });
    const masterKeys: MasterKeys = await loadMasterKeys(config);
    return await createDeps({ config, sql: before.db.sql, masterKeys, assets: { clientScript: "" } });
  };
  const rotated = await instance({ ASTAPA_MASTER_KEY_PREVIOUS: OLD });
  try {
    assert.equal(
      await kid(await token(await createApp(rotated))),
      signedBefore,
      "the same signing key, opened under the old secret",
    );
    // Without it the start stops, saying what to do (before, every token request was a 500).
    await assert.rejects(
      instance({}),
      (error: Error) => error instanceof ConfigError && /ASTAPA_MASTER_KEY_PREVIOUS/.test(error.message),
    );
  } finally {
    rotated.close();
    await before.close();
  }
});
