/**
 * SMTP deadlines: the transport gets timeouts the URL does not set (nodemailer's own are minutes), the URL's
 * own win, and a server that accepts the connection and never greets fails the attempt instead of holding it.
 */
import assert from "node:assert/strict";
import { smtpTransport, withSmtpTimeouts } from "./sender.ts";

Deno.test("withSmtpTimeouts — adds the missing timeouts, keeps SMTP_URL's own and its credentials as written", () => {
  assert.equal(
    withSmtpTimeouts("smtp://mailer:p%40ss@smtp.example:587"),
    "smtp://mailer:p%40ss@smtp.example:587?connectionTimeout=10000&greetingTimeout=10000&socketTimeout=20000",
  );
  assert.equal(
    withSmtpTimeouts("smtps://smtp.example?socketTimeout=60000"),
    "smtps://smtp.example?socketTimeout=60000&connectionTimeout=10000&greetingTimeout=10000",
  );
  const own = "smtp://smtp.example?connectionTimeout=1&greetingTimeout=2&socketTimeout=3";
  assert.equal(withSmtpTimeouts(own), own);
});

Deno.test("smtpTransport — a server that accepts and never greets fails the send", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  try {
    const transport = await smtpTransport(`smtp://127.0.0.1:${listener.addr.port}?greetingTimeout=300`);
    const failure = await transport.sendMail({
      from: "no-reply@astapa.test",
      to: "ayu@example.com",
      subject: "Code",
      text: "123456",
    }).then(() => null, (error: Error) => error);
    assert.ok(failure instanceof Error);
    assert.match(failure.message, /Greeting never received/);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of accepted) conn.close();
  }
});
