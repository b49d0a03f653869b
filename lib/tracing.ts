/**
 * OpenTelemetry spans through Deno's built-in exporter: with OTEL_DENO=true (and the standard OTEL_* exporter
 * variables), Deno traces every request and outgoing fetch itself; these helpers add spans around SQL calls
 * and the signer, and give log lines the trace they belong to. Without OTEL_DENO the helpers call straight
 * through, so the token endpoint pays nothing for them.
 */
import type { Attributes, SpanKind } from "@opentelemetry/api";

export const tracingEnabled = Deno.env.get("OTEL_DENO") === "true";
// The API package is loaded only when tracing is on (about 1.5 MB resident otherwise held for nothing).
const api = tracingEnabled ? await import("@opentelemetry/api") : undefined;
const tracer = api?.trace.getTracer("astapa");
/** SpanKind.INTERNAL and SpanKind.CLIENT, as the OpenTelemetry API numbers them (its enum loads with it). */
const INTERNAL = 0 as SpanKind.INTERNAL;
const CLIENT = 2 as SpanKind.CLIENT;

/** Runs `work` inside a child span of the current one; an error marks the span and is rethrown. */
export function traced<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  kind: SpanKind = INTERNAL,
): Promise<T> {
  if (!tracer || !api) return work();
  const { SpanStatusCode } = api;
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Spans around SQL calls: Postgres is a client call out of this process. */
export function tracedSql<T>(name: string, projectId: string | null, work: () => Promise<T>): Promise<T> {
  if (!tracingEnabled) return work();
  const attributes: Attributes = { "db.system.name": "postgresql" };
  if (projectId) attributes["astapa.project_id"] = projectId;
  return traced(name, attributes, work, CLIENT);
}

/** The current trace and span ids for a log line, or nothing when tracing is off or no span is active. */
export function traceFields(): { trace_id: string; span_id: string } | undefined {
  if (!api) return undefined;
  const context = api.trace.getActiveSpan()?.spanContext();
  return context ? { trace_id: context.traceId, span_id: context.spanId } : undefined;
}
