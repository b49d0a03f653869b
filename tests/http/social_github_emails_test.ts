/**
 * GitHub sign-in where `GET /user` answers but `GET /user/emails` does not give the address: the connection is
 * dropped without an answer or GitHub answers a 5xx (502, "GitHub is not answering right now"), it never
 * answers (504, the same words), or it refuses with a 4xx (400, "could not confirm who you are", as any refusal
 * of the provider's own). Each is the sign-in error page in the person's language with the way back to the app's
 * sign-in page; no user is created, no identity linked to the account that has the address, no session
 * started, nothing audited.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { startFakeGitHub } from "../fakes/github.ts";
import { FAILED_SAYS, followBack, OUTAGE_SAYS, projectRows, startSignIn } from "../helpers/social.ts";

const github = startFakeGitHub();
const api = dropEmailsFront(github.origin);
const t = await testApp({
  env: {
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GITHUB_BASE_URL: github.origin,
    GITHUB_API_URL: github.origin,
    SOCIAL_LOGIN_TIMEOUT_MS: "300",
  },
});
Deno.test.afterAll(async () => {
  await t.close();
  await github.close();
  api.close();
});

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });
// The address GitHub would give is an account's already: a sign-in that got it would link the identity there.
const owner = await seedUser(t.db.sql, project.id, "sari@example.com", { verified: true });
github.approveAs = {
  id: 4242,
  login: "sari",
  emails: [{ email: "sari@example.com", primary: true, verified: true }],
};
const LANGS = ["en", "id"] as const;
const TITLE = { en: "Sign-in did not finish", id: "Proses masuk tidak selesai" } as const;

/**
 * GitHub's API behind a front that passes `/user` on to the fake and closes the connection on `/user/emails`
 * without a byte of answer: GitHub unreachable for that one request.
 */
function dropEmailsFront(origin: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: string[] = [];
  (async () => {
    for await (const conn of listener) {
      (async () => {
        try {
          const head = await readHead(conn);
          const [, path] = head.split("\r\n")[0].split(" ");
          seen.push(path);
          if (path !== "/user/emails") {
            const authorization = /^authorization: (.+)$/im.exec(head)?.[1] ?? "";
            const res = await fetch(`${origin}${path}`, { headers: { authorization } });
            const body = new Uint8Array(await res.arrayBuffer());
            const top = `HTTP/1.1 ${res.status} X\r\ncontent-type: application/json\r\n` +
              `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
            await conn.write(new Uint8Array([...new TextEncoder().encode(top), ...body]));
          }
        } finally {
          conn.close();
        }
      })();
    }
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  return { origin: `http://127.0.0.1:${port}`, seen, close: () => listener.close() };
}

/** A request's head (a GET has no body). */
async function readHead(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(16384);
  let head = "";
  while (!head.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) break;
    head += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return head;
}

/** "Continue with GitHub" in `lang` and GitHub's redirect back, with the API at `apiUrl` meanwhile. */
async function signIn(lang: "en" | "id", apiUrl = github.origin): Promise<Response> {
  const started = await startSignIn(t, project, "github", lang);
  const saved = t.deps.config.github.apiUrl;
  t.deps.config.github.apiUrl = apiUrl;
  try {
    return await followBack(t, started);
  } finally {
    t.deps.config.github.apiUrl = saved;
  }
}

/** A sign-in in `lang` while GitHub answers `/user/emails` (after `/user`) with `status` and its error body. */
async function signInWhileEmailsAnswer(status: number, lang: "en" | "id"): Promise<Response> {
  github.failPaths.set("/user/emails", status);
  try {
    const asked = github.apiRequests.length;
    const res = await signIn(lang);
    assert.deepEqual(github.apiRequests.slice(asked), ["/user", "/user/emails"]);
    return res;
  } finally {
    github.failPaths.delete("/user/emails");
  }
}

/** The sign-in error page with `says`, the way back, and no session; the project's rows as they were. */
async function assertStopped(
  res: Response,
  lang: "en" | "id",
  status: number,
  says: string,
  before: Record<string, number>,
) {
  const page = await res.text();
  assert.equal(res.status, status, page);
  assert.match(page, new RegExp(`<title>${TITLE[lang]}\\b`));
  assert.ok(page.includes(`<p class="alert" role="alert" id="form-error">${says}</p>`), page);
  assert.match(page, /<a class="button" href="\/auth\/login\?client_id=[^"]+">/, "the way back");
  assert.ok(!page.includes("sari@example.com"), "no address from GitHub on the page");
  assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith(`astapa_session_${project.id}=`)));
  assert.deepEqual(
    await projectRows(t.db.sql, project.id),
    before,
    "nothing created, linked, started or audited",
  );
}

const lastStop = () => t.logs.filter((line) => line.msg === "social_sign_in_stopped").at(-1)!;

Deno.test("github emails — /user answers, /user/emails is unreachable: a 502 page naming GitHub (en, id), nothing created or linked", async () => {
  const before = await projectRows(t.db.sql, project.id);
  for (const lang of LANGS) {
    const asked = api.seen.length;
    const res = await signIn(lang, api.origin);
    assert.deepEqual(api.seen.slice(asked), ["/user", "/user/emails"], "/user answered first");
    await assertStopped(res, lang, 502, OUTAGE_SAYS[lang]("GitHub"), before);
    assert.equal(lastStop().reason, "socialUnreachable");
    assert.equal(lastStop().provider, "github");
    assert.equal(lastStop().endpoint, "user_emails");
  }
});

Deno.test("github emails — /user/emails answers a 5xx: a 502 page naming GitHub (en, id), nothing created or linked", async () => {
  const before = await projectRows(t.db.sql, project.id);
  for (const status of [500, 502, 503]) {
    for (const lang of LANGS) {
      await assertStopped(
        await signInWhileEmailsAnswer(status, lang),
        lang,
        502,
        OUTAGE_SAYS[lang]("GitHub"),
        before,
      );
      const stop = lastStop();
      assert.equal(stop.level, "warn");
      assert.equal(stop.reason, "socialProviderError");
      assert.equal(stop.endpoint, "user_emails");
      assert.equal(stop.upstreamStatus, status);
    }
  }
});

Deno.test("github emails — /user/emails refuses (401): the 400 page of a provider's own answer (en, id), nothing created or linked", async () => {
  const before = await projectRows(t.db.sql, project.id);
  for (const status of [401, 403]) {
    for (const lang of LANGS) {
      await assertStopped(await signInWhileEmailsAnswer(status, lang), lang, 400, FAILED_SAYS[lang], before);
      assert.equal(lastStop().reason, "socialFailed");
      assert.equal(lastStop().level, "info");
    }
  }
});

Deno.test("github emails — /user/emails never answers: a 504 page naming GitHub (en, id), nothing created or linked", async () => {
  const before = await projectRows(t.db.sql, project.id);
  github.hangPaths.add("/user/emails");
  try {
    for (const lang of LANGS) {
      await assertStopped(await signIn(lang), lang, 504, OUTAGE_SAYS[lang]("GitHub"), before);
      assert.equal(lastStop().reason, "socialTimeout");
      assert.equal(lastStop().endpoint, "user_emails");
    }
  } finally {
    github.hangPaths.delete("/user/emails");
  }
});

Deno.test("github emails — once /user/emails answers again, the same GitHub account links to the owner's", async () => {
  const res = await signIn("en");
  assert.equal(res.status, 303, await res.text());
  assert.ok(res.headers.get("location")!.startsWith(`${project.redirectUri}?code=`));
  const [linked] = await t.db.sql`select user_id::text from astapa.identities
    where project_id = ${project.id} and provider = 'github' and subject = '4242'`;
  assert.equal(linked.user_id, owner, "the failures before left nothing in the way");
});
