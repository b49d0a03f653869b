/** The dashboard's SQL: the console project, linking developers, sessions, an account's projects. */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import {
  dashboardSession,
  endDashboardSession,
  inviteAccount,
  linkConsoleAccount,
  listAccountProjects,
  listMembers,
  memberRole,
  startDashboardSession,
} from "@/db/dashboard.ts";
import { ensureConsole } from "@/lib/dashboard/console.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sql } = db;

const consoleClient = await ensureConsole(sql, "https://astapa.test");
const link = (sub: string) => asApp(sql, consoleClient.projectId, (tx) => linkConsoleAccount(tx, sub));

Deno.test("ensure_console_project — idempotent under concurrent boots; adds a new base URL's callback", async () => {
  const again = await Promise.all([1, 2, 3, 4].map(() => ensureConsole(sql, "https://astapa.test")));
  assert.ok(again.every((c) => c.projectId === consoleClient.projectId && c.signInAvailable));
  const [{ count }] = await sql`select count(*)::int as count from astapa.deployment`;
  assert.equal(count, 1);
  const moved = await ensureConsole(sql, "https://login.astapa.test");
  assert.equal(moved.projectId, consoleClient.projectId);
  const plain = await ensureConsole(sql, "http://astapa.internal");
  assert.equal(plain.signInAvailable, false);
  const uris = await asApp(
    sql,
    consoleClient.projectId,
    (tx) => tx`select redirect_uris, mode from astapa.projects`,
  );
  assert.deepEqual({ ...uris[0] }, {
    redirect_uris: ["https://astapa.test/dashboard/callback", "https://login.astapa.test/dashboard/callback"],
    mode: "production",
  });
  await rejectsAs(
    asApp(
      sql,
      "proj_aaaaaaaaaaaaaaaa",
      (tx) => tx`select api.ensure_console_project('https://x.test/cb', ${new Uint8Array(32)})`,
    ),
    "forbidden",
  );
});

Deno.test("link_console_account — first account owns the deployment; others need a verified invite", async () => {
  const first = await seedUser(sql, consoleClient.projectId, "owner@dev.example");
  const owner = await link(first);
  assert.equal(owner.deployment_owner, true);
  assert.deepEqual(await link(first), owner, "linking again is the same account");
  const stranger = await seedUser(sql, consoleClient.projectId, "stranger@dev.example", { verified: true });
  await rejectsAs(link(stranger), "forbidden", /invite-only/);
  await asApp(sql, null, (tx) => inviteAccount(tx, "Friend@dev.example"));
  const unverified = await seedUser(sql, consoleClient.projectId, "friend@dev.example");
  await rejectsAs(link(unverified), "forbidden", /Verify friend@dev\.example first/);
  await asApp(
    sql,
    consoleClient.projectId,
    (tx) => tx`update astapa.users set email_verified = true where id = ${unverified}`,
  );
  const friend = await link(unverified);
  assert.deepEqual({ ...friend, id: "" }, {
    id: "",
    email: "Friend@dev.example",
    deployment_owner: false,
    console_user_id: unverified,
  });
  await rejectsAs(link("999999"), "not_found");
  const other = await seedProject(sql);
  const outsider = await seedUser(sql, other.id, "owner@dev.example", { verified: true });
  await rejectsAs(
    asApp(sql, other.id, (tx) => linkConsoleAccount(tx, outsider)),
    "forbidden",
    /console project only/,
  );
  await asApp(
    sql,
    consoleClient.projectId,
    (tx) => tx`update astapa.users set disabled = true where id = ${stranger}`,
  );
  await rejectsAs(link(stranger), "forbidden", /disabled/);
});

Deno.test("invite_account — idempotent in any case; refuses a non-email", async () => {
  const a = await asApp(sql, null, (tx) => inviteAccount(tx, "new@dev.example"));
  const b = await asApp(sql, null, (tx) => inviteAccount(tx, "NEW@dev.example"));
  assert.equal(a.id, b.id);
  assert.equal(a.console_user_id, null);
  await rejectsAs(asApp(sql, null, (tx) => inviteAccount(tx, "not an email")), "validation_failed");
});

Deno.test("dashboard sessions — start, read, end; expired, ended and bad inputs", async () => {
  const account = await asApp(sql, null, (tx) => inviteAccount(tx, "session@dev.example"));
  const hash = await sha256("session-token");
  await asApp(sql, null, (tx) => startDashboardSession(tx, hash, account.id, 3600));
  const live = await asApp(sql, null, (tx) => dashboardSession(tx, hash));
  assert.equal(live?.email, "session@dev.example");
  assert.equal(await asApp(sql, null, (tx) => endDashboardSession(tx, hash)), true);
  assert.equal(await asApp(sql, null, (tx) => endDashboardSession(tx, hash)), false);
  assert.equal(await asApp(sql, null, (tx) => dashboardSession(tx, hash)), null);
  const expiring = await sha256("expiring");
  await asApp(sql, null, (tx) => startDashboardSession(tx, expiring, account.id, 60));
  await sql`update astapa.dashboard_sessions set created_at = now() - interval '2 minutes',
            expires_at = now() - interval '1 minute' where session_hash = ${expiring}`;
  assert.equal(await asApp(sql, null, (tx) => dashboardSession(tx, expiring)), null);
  await rejectsAs(
    asApp(sql, null, (tx) => startDashboardSession(tx, new Uint8Array(3), account.id, 60)),
    "validation_failed",
  );
  await rejectsAs(
    asApp(sql, null, (tx) => startDashboardSession(tx, hash, account.id, 10)),
    "validation_failed",
  );
  await rejectsAs(asApp(sql, null, (tx) => startDashboardSession(tx, hash, "999999", 60)), "not_found");
});

Deno.test("list_account_projects — only the account's own projects with its role; guarded", async () => {
  const me = await asApp(sql, null, (tx) => inviteAccount(tx, "lister@dev.example"));
  const mine = await seedProject(sql, { name: "Mine" });
  const theirs = await seedProject(sql, { name: "Theirs" });
  await asApp(sql, mine.id, (tx) => addMember(tx, mine.id, me.id, "viewer"));
  const actor = { actor: `account:${me.id}` };
  const listed = await asApp(sql, null, (tx) => listAccountProjects(tx, me.id), actor);
  assert.deepEqual(listed.map((p) => [p.project_id, p.role]), [[mine.id, "viewer"]]);
  assert.ok(!listed.some((p) => p.project_id === theirs.id));
  await rejectsAs(asApp(sql, mine.id, (tx) => listAccountProjects(tx, me.id), actor), "forbidden");
  await rejectsAs(
    asApp(sql, null, (tx) => listAccountProjects(tx, me.id), { actor: "account:1" }),
    "forbidden",
  );
  await rejectsAs(asApp(sql, null, (tx) => listAccountProjects(tx, me.id)), "forbidden");
  // The setting the definer function uses opens nothing to the app role itself.
  const seen = await asApp(sql, null, async (tx) => {
    await tx`select set_config('astapa.list_account_projects', ${me.id}, true)`;
    return (await tx`select count(*)::int as n from astapa.projects`)[0].n +
      (await tx`select count(*)::int as n from astapa.memberships`)[0].n;
  });
  assert.equal(seen, 0);
});

Deno.test("member_role and list_members — for the acting project only", async () => {
  const me = await asApp(sql, null, (tx) => inviteAccount(tx, "member@dev.example"));
  const project = await seedProject(sql);
  const other = await seedProject(sql);
  await asApp(sql, project.id, (tx) => addMember(tx, project.id, me.id, "admin"));
  assert.equal(await asApp(sql, project.id, (tx) => memberRole(tx, project.id, me.id)), "admin");
  assert.equal(await asApp(sql, other.id, (tx) => memberRole(tx, project.id, me.id)), null);
  assert.equal(await asApp(sql, null, (tx) => memberRole(tx, project.id, me.id)), null);
  const members = await asApp(sql, project.id, (tx) => listMembers(tx, project.id));
  assert.deepEqual(members, [{
    account_id: me.id,
    email: "member@dev.example",
    role: "admin",
    signed_in: false,
  }]);
  await rejectsAs(asApp(sql, other.id, (tx) => listMembers(tx, project.id)), "not_found");
});

Deno.test("api.start_dashboard_session, api.dashboard_session, api.end_dashboard_session — the account and expiry of a live session; AS400, AS404", async () => {
  const account = await asApp(sql, null, (tx) => inviteAccount(tx, "direct@dev.example"));
  const hash = await sha256("direct-session-token");
  const unknown = await sha256("unknown");
  const one = async (
    query: (tx: Parameters<Parameters<typeof asApp>[2]>[0]) => Promise<readonly { result: unknown }[]>,
  ) => await asApp(sql, null, async (tx) => (await query(tx))[0].result);

  const [expires] = await asApp(
    sql,
    null,
    (tx) =>
      tx`select api.start_dashboard_session(${hash}, ${account.id}::bigint, 3600) as result,
              now() + interval '1 hour' as expected`,
  );
  assert.equal((expires.result as Date).getTime(), (expires.expected as Date).getTime(), "now plus the ttl");
  const live = await one((tx) => tx`select api.dashboard_session(${hash}) as result`) as Record<
    string,
    unknown
  >;
  assert.deepEqual(live, {
    id: account.id,
    email: "direct@dev.example",
    deployment_owner: false,
    console_user_id: null,
    expires_at: live.expires_at as string,
  });
  assert.equal(new Date(live.expires_at as string).getTime(), (expires.result as Date).getTime());
  assert.equal(
    await one((tx) => tx`select api.dashboard_session(${unknown}) as result`),
    null,
  );

  assert.equal(await one((tx) => tx`select api.end_dashboard_session(${hash}) as result`), true);
  assert.equal(await one((tx) => tx`select api.dashboard_session(${hash}) as result`), null, "ended: null");
  assert.equal(await one((tx) => tx`select api.end_dashboard_session(${hash}) as result`), false, "not live");

  for (
    const [badHash, ttl] of [[new Uint8Array(31), 60], [null, 60], [hash, 59], [hash, 2_592_001]] as const
  ) {
    await rejectsAs(
      one((tx) =>
        tx`select api.start_dashboard_session(${badHash}, ${account.id}::bigint, ${ttl}) as result`
      ),
      "validation_failed",
    );
  }
  await rejectsAs(
    one((tx) => tx`select api.start_dashboard_session(${unknown}, 999999999, 60) as result`),
    "not_found",
    /999999999/,
  );
});
