/**
 * A project's own from address (issue 29 item 13): set on the dashboard's Settings → Mail only at a domain
 * the deployment may send for (MAIL_FROM's or MAIL_FROM_DOMAINS), and used as From by the sender only while
 * its domain is allowed — through a real SMTP server.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { fromHeader, MailSender } from "@/lib/mail/sender.ts";
import { asApp } from "@/db/client.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { loadConfig } from "@/config.ts";

const t = await testApp({
  env: { MAIL_FROM: "Astapa <no-reply@astapa.test>", MAIL_FROM_DOMAINS: "warung.example" },
});
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, t.config.mailFrom, {
  fromDomains: t.config.mailFromDomains,
});
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await t.close();
});

Deno.test("mail from address — configuration: MAIL_FROM's domain plus MAIL_FROM_DOMAINS, lower case", () => {
  assert.deepEqual(t.config.mailFromDomains, ["astapa.test", "warung.example"]);
  const config = loadConfig({ MAIL_FROM: "shop@Toko.Example", MAIL_FROM_DOMAINS: " A.example , b.example" });
  assert.deepEqual(config.mailFromDomains, ["toko.example", "a.example", "b.example"]);
  assert.throws(() => loadConfig({ MAIL_FROM_DOMAINS: "a.example; rm -rf" }), /MAIL_FROM_DOMAINS/);
});

Deno.test("mail from address — fromHeader uses the project's address only on an allowed domain", () => {
  const allowed = ["astapa.test", "warung.example"];
  const configured = "Astapa <no-reply@astapa.test>";
  assert.equal(fromHeader(configured, null, null, allowed), configured);
  assert.deepEqual(fromHeader(configured, "Warung", "halo@Warung.example", allowed), {
    name: "Warung",
    address: "halo@Warung.example",
  });
  assert.deepEqual(fromHeader(configured, null, "halo@warung.example", allowed), {
    name: "Astapa",
    address: "halo@warung.example",
  });
  assert.equal(fromHeader(configured, null, "halo@evil.example", allowed), configured);
  assert.deepEqual(fromHeader(configured, "Warung", "halo@evil.example", allowed), {
    name: "Warung",
    address: "no-reply@astapa.test",
  });
});

Deno.test("mail from address — delivered mail comes from the project's address, or MAIL_FROM's when not allowed", async () => {
  const own = await seedProject(t.db.sql, { name: "Warung" });
  const foreign = await seedProject(t.db.sql, { name: "Lain" });
  // Set straight in SQL (as the settings API would allow): the sender still refuses an unlisted domain.
  await asApp(
    t.db.sql,
    own.id,
    (tx) =>
      updateProjectSettings(tx, own.id, {
        mail_sender_name: "Warung",
        mail_from_address: "halo@warung.example",
      }),
    {
      actor: "test",
    },
  );
  await asApp(
    t.db.sql,
    foreign.id,
    (tx) => updateProjectSettings(tx, foreign.id, { mail_from_address: "halo@evil.example" }),
    { actor: "test" },
  );
  for (const [p, to] of [[own, "ani@example.com"], [foreign, "eko@example.com"]] as const) {
    await asApp(t.db.sql, p.id, (tx) => tx`select api.queue_mail(${to}, 'Hi', 'Body', 'test_mail')`);
  }
  await sender.drain();
  assert.match((await sink.waitFor("ani@example.com")).data, /^From: "?Warung"? <halo@warung\.example>/m);
  assert.match((await sink.waitFor("eko@example.com")).data, /^From: "?Astapa"? <no-reply@astapa\.test>/m);
});

Deno.test("mail from address — the Settings form saves an allowed address and refuses another domain (422)", async () => {
  const owner = await signInDeveloper(t, "owner@from.example");
  const project = await seedProject(t.db.sql, { name: "Formulir" });
  await addDeveloperTo(t, project.id, owner.accountId, "owner");
  const path = `/dashboard/projects/${project.id}/settings/mail`;
  const saved = await postAs(t, owner, path, {
    mail_sender_name: "",
    mail_from_address: "halo@warung.example",
  });
  assert.equal(saved.status, 303);
  const settings = async () =>
    (await t.db.sql`select settings from astapa.projects where id = ${project.id}`)[0].settings;
  assert.equal((await settings()).mail_from_address, "halo@warung.example");

  const refused = await postAs(t, owner, path, { mail_sender_name: "", mail_from_address: "halo@gmail.com" });
  assert.equal(refused.status, 422);
  const page = await refused.text();
  assert.match(page, /The from address must be at astapa\.test or warung\.example/);
  assert.match(
    page,
    /<code>astapa\.test<\/code>, <code>warung\.example<\/code>/,
    "the hint lists the domains",
  );
  const malformed = await postAs(t, owner, path, {
    mail_sender_name: "",
    mail_from_address: "Halo <halo@warung.example>",
  });
  assert.equal(malformed.status, 422);
  assert.equal((await settings()).mail_from_address, "halo@warung.example", "nothing changed");

  const cleared = await postAs(t, owner, path, { mail_sender_name: "", mail_from_address: "" });
  assert.equal(cleared.status, 303);
  assert.equal("mail_from_address" in await settings(), false);
});
