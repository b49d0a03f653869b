/** JSON-lines logging to stdout: one object per line, easy to grep and to ship. */
import { traceFields } from "../tracing.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;
export type LogFields = Record<string, unknown>;

let threshold: number = LEVELS.info;
let sink: (line: string) => void = writeLine;

const encoder = new TextEncoder();

/**
 * Straight to stdout: console.log costs about three times the write itself (≈ 4 µs against 1.4 µs a
 * line), and every request writes a line. A log line that cannot be written (stdout closed) is dropped
 * rather than failing the request.
 */
function writeLine(line: string): void {
  const bytes = encoder.encode(line + "\n");
  try {
    for (let written = 0; written < bytes.length;) written += Deno.stdout.writeSync(bytes.subarray(written));
  } catch {
    // stdout is gone; nothing better to do with the line
  }
}

/**
 * Access-log lines written to stdout are gathered and written together every 20 ms (or at 64 KB): one write
 * for many requests instead of a syscall per request, a large part of what a cached GET cost. Any other log
 * line writes what is pending first, so order is kept; pending lines are written on exit (unload). The timer
 * is started once, here, and does not keep the process alive.
 */
let pending: string[] = [];
let pendingBytes = 0;

function flushAccessLines(): void {
  if (!pending.length) return;
  const lines = pending;
  pending = [];
  pendingBytes = 0;
  writeLine(lines.join("\n"));
}

function writeAccessLine(line: string): void {
  if (sink !== writeLine) return sink(line);
  pending.push(line);
  pendingBytes += line.length;
  if (pendingBytes >= 65_536) flushAccessLines();
}

Deno.unrefTimer(setInterval(flushAccessLines, 20));
globalThis.addEventListener("unload", flushAccessLines);

/** Sets the lowest level written, and optionally where lines go (tests capture them). */
export function configureLog(level: LogLevel, write?: (line: string) => void): void {
  threshold = LEVELS[level];
  if (write) sink = write;
}

export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  if (LEVELS[level] < threshold) return;
  flushAccessLines();
  sink(
    JSON.stringify(
      { time: new Date().toISOString(), level, msg, ...fields, ...traceFields() },
      errorReplacer,
    ),
  );
}

/** The access-log line of every request: log()'s fields in log()'s order, without its error replacer. */
export function logRequest(fields: {
  request_id: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
}): void {
  if (LEVELS.info < threshold) return;
  const trace = traceFields();
  // Written out rather than JSON.stringify of a spread object: this line was 16 % of a cached GET's samples. The
  // strings are still escaped by JSON.stringify; the numbers are numbers.
  writeAccessLine(
    `{"time":"${isoNow()}","level":"info","msg":"request","request_id":${
      JSON.stringify(fields.request_id)
    },` +
      `"method":${JSON.stringify(fields.method)},"path":${JSON.stringify(fields.path)},` +
      `"status":${JSON.stringify(fields.status)},"duration_ms":${JSON.stringify(fields.duration_ms)}` +
      (trace
        ? `,"trace_id":${JSON.stringify(trace.trace_id)},"span_id":${JSON.stringify(trace.span_id)}}`
        : "}"),
  );
}

let isoMs = NaN;
let iso = "";

/** new Date().toISOString(), made once per millisecond (thousands of requests share one). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/** Errors serialise as name, message, SQLSTATE and stack, with their causes. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return {
    name: value.name,
    message: value.message,
    ...(code !== undefined ? { code } : {}),
    stack: value.stack?.split("\n").slice(1, 6).map((line) => line.trim()),
    ...(value.cause !== undefined ? { cause: value.cause } : {}),
  };
}
