/**
 * `deno task astapa plan seats|cancel-team|resume-team|change-team|withdraw-team-change …` as an operator runs
 * it: a subprocess against this file's database.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

async function astapa(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  return {
    code: output.code,
    stdout,
    stderr: new TextDecoder().decode(output.stderr),
    json: () => JSON.parse(stdout),
  };
}

Deno.test("cli plan seats — per seat, flat, personal again; bad options and a plan a person holds refused", async () => {
  const project = await seedProject(db.sql);
  const p = project.id;
  const user = await seedUser(db.sql, p, "holder@example.com");
  await asApp(db.sql, p, async (tx) => {
    await createPlan(tx, p, { key: "team", name: "Team", price_idr: 50_000 });
    await createPlan(tx, p, { key: "pro", name: "Pro", price_idr: 99_000 });
    await assignPlan(tx, p, user, "pro", "cli");
  });
  const perSeat = await astapa(["plan", "seats", "--project", p, "team", "--per-seat"]);
  assert.equal(perSeat.code, 0, perSeat.stderr);
  assert.match(perSeat.stdout, /seat_pricing +per_seat/);
  const flat = await astapa(["plan", "seats", "--project", p, "team", "--flat", "5"]);
  assert.equal(flat.code, 0, flat.stderr);
  assert.match(flat.stdout, /included_seats +5/);
  const personal = await astapa(["plan", "seats", "--project", p, "team", "--personal"]);
  assert.equal(personal.code, 0, personal.stderr);
  assert.match(personal.stdout, /seat_pricing +personal plan/);
  for (const bad of [["--per-seat", "--personal"], [], ["--flat", "0"], ["--flat", "x"]]) {
    const run = await astapa(["plan", "seats", "--project", p, "team", ...bad]);
    assert.equal(run.code, 2, `${bad.join(" ")} → ${run.stderr}`);
  }
  const held = await astapa(["plan", "seats", "--project", p, "pro", "--per-seat"]);
  assert.equal(held.code, 1);
  assert.match(held.stderr, /^conflict: Plan pro is held by people/);
});

Deno.test("cli plan cancel-team / resume-team — as the app; an organization without a paid plan is refused", async () => {
  const project = await seedProject(db.sql);
  const p = project.id;
  const owner = await seedUser(db.sql, p, "owner@example.com");
  const org = await asApp(db.sql, p, async (tx) => {
    await createPlan(tx, p, { key: "team", name: "Team", price_idr: 50_000 });
    await tx`select api.set_plan_seats(${p}, 'team', 'per_seat')`;
    const [row] = await tx`select api.create_organization('Kopi', 'kopi', ${owner}) as result`;
    return (row.result as { id: string }).id;
  });
  const none = await astapa(["plan", "cancel-team", "--project", p, "kopi"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Kopi has no running paid team plan to cancel\./);
  // Paid for a month (as a paid checkout leaves it).
  await asApp(db.sql, p, (tx) =>
    tx`update astapa.organizations set plan_key = 'team', seat_limit = 3,
       plan_paid_through = now() + interval '1 month' where id = ${org}`);
  const canceled = await astapa(["plan", "cancel-team", "--project", p, "kopi"]);
  assert.equal(canceled.code, 0, canceled.stderr);
  assert.match(canceled.stdout, /canceled +yes, ends at /);
  const resumed = await astapa(["plan", "resume-team", "--project", p, org]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /canceled +no, renews/);
});

Deno.test("cli plan change-team / withdraw-team-change — as the app; org show and list carry it; fewer seats than members and bad options refused", async () => {
  const project = await seedProject(db.sql);
  const p = project.id;
  const owner = await seedUser(db.sql, p, "owner@example.com");
  const admin = await seedUser(db.sql, p, "admin@example.com");
  await asApp(db.sql, p, async (tx) => {
    await createPlan(tx, p, { key: "team", name: "Team", price_idr: 50_000 });
    await createPlan(tx, p, { key: "solo", name: "Solo", price_idr: 20_000 });
    await createPlan(tx, p, { key: "small", name: "Small", price_idr: 30_000 });
    await tx`select api.set_plan_seats(${p}, 'team', 'per_seat')`;
    await tx`select api.set_plan_seats(${p}, 'small', 'per_seat')`;
    await tx`select api.set_plan_seats(${p}, 'solo', 'flat', 1)`;
    const [row] = await tx`select api.create_organization('Kopi', 'kopi', ${owner}) as result`;
    const org = (row.result as { id: string }).id;
    await tx`select api.add_organization_member(${org}, ${admin}, 'admin')`;
    // Paid for a month (as a paid checkout leaves it).
    await tx`update astapa.organizations set plan_key = 'team', seat_limit = 3,
             plan_paid_through = now() + interval '1 month' where id = ${org}`;
  });
  const solo = await astapa(["plan", "change-team", "--project", p, "kopi", "solo"]);
  assert.equal(solo.code, 1);
  assert.match(
    solo.stderr,
    /^conflict: Kopi has 2 members, more than the 1 seats it would have on plan Solo/,
  );
  for (const bad of [["--seats", "0"], ["--seats", "x"], ["--flat", "2"]]) {
    const run = await astapa(["plan", "change-team", "--project", p, "kopi", "small", ...bad]);
    assert.equal(run.code, 2, `${bad.join(" ")} → ${run.stderr}`);
  }
  const changed = await astapa(["plan", "change-team", "--project", p, "kopi", "small", "--seats", "2"]);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /to_plan +small/);
  assert.match(changed.stdout, /seats +2/);
  assert.match(changed.stdout, /status +scheduled/);
  // The organization itself shows the change: by name and key in the human output, as open_change in JSON.
  const effective = (await asApp(
    db.sql,
    p,
    (tx) =>
      tx`select to_char(plan_paid_through, 'YYYY-MM-DD') as day from astapa.organizations where slug = 'kopi'`,
  ))[0].day as string;
  const change = `from ${effective}, Small (small) with 2 seats`;
  const shown = await astapa(["org", "show", "--project", p, "--org", "kopi"]);
  assert.equal(shown.code, 0, shown.stderr);
  const row = (name: string) => shown.stdout.split("\n").find((l) => l.startsWith(`${name} `));
  assert.match(row("plan") ?? "", /^plan +team$/);
  assert.equal(row("scheduled")?.replace(/^scheduled +/, ""), change, shown.stdout);
  const list = await astapa(["org", "list", "--project", p]);
  assert.equal(list.stdout.split("\n")[1], `    scheduled: ${change}`, list.stdout);
  const json = (await astapa(["org", "show", "--project", p, "--org", "kopi", "--json"])).json();
  assert.deepEqual(
    [json.open_change.to_plan, json.open_change.seats, json.open_change.status],
    ["small", 2, "scheduled"],
  );
  const listed = (await astapa(["org", "list", "--project", p, "--json"])).json();
  assert.equal(listed[0].open_change.to_plan, "small");
  const withdrawn = await astapa(["plan", "withdraw-team-change", "--project", p, "kopi"]);
  assert.equal(withdrawn.code, 0, withdrawn.stderr);
  assert.match(withdrawn.stdout, /status +canceled/);
  const after = await astapa(["org", "show", "--project", p, "--org", "kopi"]);
  assert.match(after.stdout, /^scheduled +none$/m);
  assert.equal(
    (await astapa(["org", "show", "--project", p, "--org", "kopi", "--json"])).json().open_change,
    null,
  );
  const again = await astapa(["plan", "withdraw-team-change", "--project", p, "kopi"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /Kopi has no scheduled plan change to withdraw\./);
});
