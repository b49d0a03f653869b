import assert from "node:assert/strict";
import { configureLog, logRequest } from "@/lib/http/log.ts";

Deno.test("access log — each line is the JSON of its fields in order, whatever the path holds", () => {
  const lines: string[] = [];
  configureLog("info", (line) => lines.push(line));
  const requests = [
    { request_id: "r-1", method: "GET", path: "/.well-known/jwks.json", status: 200, duration_ms: 0.25 },
    { request_id: 'quote"d', method: "POST", path: '/a\\b"c\n\u0000\u2028é🙂', status: 500, duration_ms: 12 },
    { request_id: "", method: "GET", path: "/x", status: 304, duration_ms: NaN },
  ];
  const before = Date.now();
  for (const fields of requests) logRequest(fields);
  const after = Date.now();
  assert.equal(lines.length, requests.length);
  for (const [i, line] of lines.entries()) {
    const parsed = JSON.parse(line);
    const time = Date.parse(parsed.time);
    assert.ok(time >= before && time <= after, "the time the line was written");
    // Byte for byte what JSON.stringify of the object gives (the form every other log line has).
    assert.equal(
      line,
      JSON.stringify({ time: parsed.time, level: "info", msg: "request", ...requests[i] }),
    );
  }
  configureLog("warn");
  logRequest(requests[0]);
  assert.equal(lines.length, requests.length, "nothing below the threshold");
});
