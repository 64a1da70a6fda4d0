/**
 * Fault injection for the health simulator: the shape tests and benchmarks use to make the
 * simulated health system slow, broken or hostile — set in-process with `setFaults` or from
 * another process with `POST /_sim/faults` (the same JSON; `DELETE /_sim/faults` clears).
 *
 * Why this file exists: the adapter's failure handling (timeouts, HTTP errors,
 * OperationOutcome, malformed and oversized bodies) is only proven against a server that
 * really misbehaves on the wire, and the control endpoint's body is outside data, so it is
 * parsed with the same schema that types `setFaults`.
 */
import { z } from 'zod';

export const SimulatorFaults = z
  .object({
    /** Delay before answering, in ms (benchmarks: a realistic slow trust). */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Answer with this HTTP status. Without `operationOutcome` the body is plain text. */
    status: z.number().int().min(100).max(599).optional(),
    /** Answer with an OperationOutcome (status 400 unless `status` is given). */
    operationOutcome: z
      .union([
        z.literal(true),
        z
          .object({
            code: z.string().min(1).max(64).default('processing'),
            diagnostics: z.string().max(1000).optional(),
            severity: z.enum(['fatal', 'error', 'warning', 'information']).default('error'),
          })
          .strict(),
      ])
      .optional(),
    /** Answer 200 with a broken body: truncated JSON, an XML document with a DOCTYPE, or an HTML page. */
    malformed: z.union([z.literal(true), z.enum(['json', 'xml', 'html'])]).optional(),
    /** Send the status line and half the body, then stall this long before the rest. */
    hangMs: z.number().int().min(0).max(600_000).optional(),
    /** Pad the (valid) response with whitespace to at least this many bytes, streamed without Content-Length. */
    oversizeBytes: z.number().int().min(1).max(1_000_000_000).optional(),
    /**
     * Only requests whose path and query contain this text are affected (e.g. "/Encounter",
     * "_offset=4", "/oauth2/token"). Without it, every FHIR request is, but not the token endpoint.
     */
    match: z.string().min(1).max(200).optional(),
  })
  .strict();
export type SimulatorFaults = z.input<typeof SimulatorFaults>;
export type ParsedFaults = z.output<typeof SimulatorFaults>;

/** True when a fault set applies to the request with this path and query. */
export function faultsApply(faults: ParsedFaults, pathAndQuery: string, isFhirRequest: boolean): boolean {
  if (faults.match !== undefined) return pathAndQuery.includes(faults.match);
  return isFhirRequest;
}
