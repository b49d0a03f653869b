/**
 * OpenTelemetry spans through Deno's built-in exporter: with OTEL_DENO=true (and the standard OTEL_* exporter
 * variables), Deno traces every request and outgoing fetch itself; these helpers add spans around SQL calls
 * and the signer, and give log lines the trace they belong to. Without OTEL_DENO the helpers call straight
 * through, so the token endpoint pays nothing for them.
 */
import { type Attributes, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

export const tracingEnabled = Deno.env.get("OTEL_DENO") === "true";
const tracer = trace.getTracer("astapa");

/** Runs `work` inside a child span of the current one; an error marks the span and is rethrown. */
export function traced<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  if (!tracingEnabled) return work();
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
  return traced(name, attributes, work, SpanKind.CLIENT);
}

/** The current trace and span ids for a log line, or nothing when tracing is off or no span is active. */
export function traceFields(): { trace_id: string; span_id: string } | undefined {
  if (!tracingEnabled) return undefined;
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { trace_id: context.traceId, span_id: context.spanId } : undefined;
}
