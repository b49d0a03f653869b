/**
 * Libraries loaded on first use (lib/lazy_import.ts): a library that fails to load answers the catalogue's
 * internal_error (a 500, the library named only in the log), is tried again on the next use, and once loaded is
 * shared; the real loaders behind passkeys, logos, imported hashes, mail and metrics load what they name.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv, Ctx } from "@/lib/app_env.ts";
import { AppError } from "@/lib/http/errors.ts";
import { errorResponse } from "@/lib/http/respond.tsx";
import { lazyImport } from "@/lib/lazy_import.ts";
import { webauthn } from "@/lib/login/passkeys/webauthn_library.ts";
import { argon2 } from "@/lib/passwords.ts";
import { verifyAnyPassword } from "@/lib/import/verify_hash.ts";
import { validateLogo } from "@/lib/branding/logo_image.ts";
import { nodeSaml, xmldom } from "@/lib/login/sso/saml_library.ts";
import { foreignHashes } from "../helpers/foreign_hashes.ts";
import { jpegOf, pngOf, webpOf } from "../helpers/logos.ts";

Deno.test("lazy import — a failed load is a 500 internal_error, retried on the next use, then shared", async () => {
  let attempts = 0;
  const library = lazyImport("example-library", () => {
    attempts++;
    return attempts === 1
      ? Promise.reject(new TypeError('Module not found "npm:example-library"'))
      : Promise.resolve({ answer: 42 });
  });
  const app = new Hono<AppEnv>();
  app.get("/uses-library", async (c) => c.json(await library()));
  app.onError((error, c) => errorResponse(c as Ctx, error));

  const failed = await app.request("/uses-library");
  assert.equal(failed.status, 500);
  const body = await failed.json();
  assert.equal(body.error, "internal_error");
  assert.equal(JSON.stringify(body).includes("example-library"), false, "the cause stays in the log");

  assert.deepEqual(await library(), { answer: 42 });
  assert.equal(attempts, 2, "a failure is not cached: the next use loads again");

  const again = await app.request("/uses-library");
  assert.equal(again.status, 200);
  assert.deepEqual(await again.json(), { answer: 42 });
  assert.equal(attempts, 2, "a loaded library is loaded once");
  assert.equal(library(), library());
});

Deno.test("lazy import — the cause names the library", async () => {
  const library = lazyImport("example-library", () => Promise.reject(new Error("boom")));
  const error = await library().catch((e) => e);
  assert.ok(error instanceof AppError);
  assert.equal(error.code, "internal_error");
  assert.equal(error.status, 500);
  assert.match(String((error.cause as Error).message), /could not load example-library/);
});

Deno.test("lazy import — the real loaders give the libraries their callers use", async () => {
  const webauthnLibrary = await webauthn();
  assert.equal(typeof webauthnLibrary.verifyAuthenticationResponse, "function");
  assert.equal(typeof (await argon2()).verify, "function");
  assert.equal(typeof (await nodeSaml()).SAML, "function");
  assert.equal(typeof (await xmldom()).DOMParser, "function");
  // The first use of each lazily loaded verifier and decoder succeeds.
  const hashes = await foreignHashes("correct horse");
  for (const [format, hash] of Object.entries(hashes)) {
    assert.equal(await verifyAnyPassword(hash, "correct horse"), true, format);
    assert.equal(await verifyAnyPassword(hash, "wrong horse"), false, format);
  }
  for (
    const [type, bytes] of [["image/png", pngOf(3, 2)], ["image/jpeg", jpegOf(3, 2)], [
      "image/webp",
      await webpOf(3, 2),
    ]] as const
  ) {
    const logo = await validateLogo(bytes);
    assert.deepEqual([logo.type, logo.width, logo.height], [type, 3, 2]);
  }
});

Deno.test("lazy import — no module imports a lazily loaded library's values at start-up", async () => {
  const root = new URL("../../", import.meta.url);
  const files: { path: string; text: string }[] = [];
  const walk = async (dir: URL, prefix: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${prefix}${entry.name}`;
      if (entry.isDirectory) await walk(new URL(`${entry.name}/`, dir), `${path}/`);
      else if (/\.tsx?$/.test(entry.name)) {
        files.push({ path, text: await Deno.readTextFile(new URL(entry.name, dir)) });
      }
    }
  };
  for (const dir of ["lib", "routes", "db"]) await walk(new URL(`${dir}/`, root), `${dir}/`);
  for (const file of ["main.ts", "config.ts"]) {
    files.push({ path: file, text: await Deno.readTextFile(new URL(file, root)) });
  }
  // The libraries are those named by a lazyImport("package", …) call; their loaders use import(), not import … from.
  const lazy = new Set(
    files.flatMap(({ text }) => [...text.matchAll(/lazyImport\(\s*"([@a-z0-9/._-]+)"/g)].map((m) => m[1])),
  );
  assert.ok(
    lazy.has("@simplewebauthn/server") && lazy.has("nodemailer") && lazy.has("prom-client"),
    [...lazy].join(),
  );
  const eager: string[] = [];
  for (const { path, text } of files) {
    for (const m of text.matchAll(/^\s*(import|export)\s+([^;]*?)\s*from\s+"([^"]+)"/gms)) {
      const [, , what, from] = m;
      if (!lazy.has(from) || what.startsWith("type ")) continue;
      const names = /^\{([^}]*)\}$/s.exec(what.trim())?.[1].split(",").map((n) => n.trim()).filter(Boolean);
      if (names?.every((name) => name.startsWith("type "))) continue;
      eager.push(`${path}: ${m[0].trim().replace(/\s+/g, " ")}`);
    }
  }
  assert.deepEqual(eager, [], "import type, or load through the module's lazyImport");
});
