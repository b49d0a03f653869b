/**
 * The hosted-login session's lifetime (settings.login_session_ttl, docs/project-settings.md): a sign-in's
 * session and its cookie last as long as the project says, 7 days when it says nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { asApp } from "@/db/client.ts";
import { tokenLifetimeLimits } from "@/db/project_settings.ts";
import { SESSION_TTL_SECONDS } from "@/lib/login/browser.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

/** Signs in through the hosted form; the session cookie's Max-Age and the session's lifetime in Postgres. */
async function signIn(settings: Record<string, unknown>, email: string) {
  const project = await seedProject(t.db.sql, { redirectUri: "https://app.example/cb", settings });
  const user = await seedPasswordUser(t.db.sql, project.id, email, "long enough");
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    response_type: "code",
    scope: "openid",
  });
  const res = await new FormBrowser(t).submit(`/auth/login?${query}`, { email, password: "long enough" });
  assert.equal(res.status, 303);
  assert.match(res.headers.get("location")!, /^https:\/\/app\.example\/cb\?code=/);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`astapa_session_${project.id}=`));
  assert.ok(cookie, "a session cookie");
  const [row] = await t.db.sql`select extract(epoch from expires_at - created_at)::int as seconds
    from astapa.login_sessions where user_id = ${user}`;
  return { maxAge: Number(/Max-Age=(\d+)/i.exec(cookie)![1]), seconds: row.seconds };
}

Deno.test("login session lifetime — the project's login_session_ttl sets the session and its cookie", async () => {
  assert.deepEqual(await signIn({ login_session_ttl: 3600 }, "hour@lifetime.example"), {
    maxAge: 3600,
    seconds: 3600,
  });
});

Deno.test("login session lifetime — 7 days when the project sets none, the default SQL states", async () => {
  assert.deepEqual(await signIn({}, "week@lifetime.example"), { maxAge: 604800, seconds: 604800 });
  const limits = await asApp(t.db.sql, null, (tx) => tokenLifetimeLimits(tx));
  assert.equal(
    limits.login_session_ttl.default,
    SESSION_TTL_SECONDS,
    "the cookie's default is the setting's",
  );
});
