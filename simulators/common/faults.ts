/**
 * The fault vocabulary every agency simulator shares — the shape tests and benchmarks use to
 * make a simulated agency slow, broken or hostile — and the `/_sim/faults` control endpoint that
 * sets it from another process (`POST` the same JSON as `setFaults`, `GET` reads it back,
 * `DELETE` clears it).
 *
 * Why this file exists: the adapters' failure handling (timeouts, HTTP errors, error documents,
 * malformed and oversized bodies) is only proven against servers that really misbehave on the
 * wire, and one vocabulary across simulators lets the embedded harness and the benchmarks drive
 * every agency alike. Each simulator extends `SimulatorFaults` with the faults its protocol adds
 * and says how it answers `operationOutcome` (a FHIR OperationOutcome, a SOAP fault, a problem
 * document…). The control endpoint's body is outside data, so it is parsed with the same schema
 * that types `setFaults`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody, sendJson } from './wire.ts';

/** The faults every simulator understands; agency simulators `extend` it. */
export const SimulatorFaults = z
  .object({
    /** Delay before answering, in ms (benchmarks: a realistic slow trust). */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Answer with this HTTP status. Without `operationOutcome` the body is plain text. */
    status: z.number().int().min(100).max(599).optional(),
    /** Answer with the agency's error document (status 400 unless `status` is given). */
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
     * The agency's own cap on the people one search may list (PDS `_max-results`, a records
     * system that returns its top N): a person search matching more is answered the way the
     * agency answers too many — the health simulator with PDS's `TOO_MANY_MATCHES`
     * OperationOutcome (HTTP 200), the others by listing the first N with the true total and no
     * further page. Record collections (a person's encounters, tenancies…) are not capped.
     */
    resultCap: z.number().int().min(0).max(10_000).optional(),
    /**
     * Only requests whose path and query contain this text are affected (e.g. "/Encounter",
     * "_offset=4", "/oauth2/token"). Without it, every API request is, but not the token endpoint.
     */
    match: z.string().min(1).max(200).optional(),
  })
  .strict();
export type SimulatorFaults = z.input<typeof SimulatorFaults>;
export type ParsedFaults = z.output<typeof SimulatorFaults>;

/**
 * True when a fault set applies to the request described by `pathAndQuery` (or another
 * descriptor): with `match`, when the descriptor contains it; without, when the request is one
 * faults are for by default (`inScope`: an API request, not the token endpoint).
 */
export function faultsApply(faults: { readonly match?: string | undefined }, pathAndQuery: string, inScope: boolean): boolean {
  if (faults.match !== undefined) return pathAndQuery.includes(faults.match);
  return inScope;
}

/** What holds a simulator's current faults: replaced whole, read once per request. */
export interface FaultHolder<F> {
  faults: F;
}

/**
 * Answers `GET|POST|DELETE /_sim/faults`: reads, replaces (after parsing with `schema`) or
 * clears the faults in `holder`. `maxBodyBytes` bounds the POST body, as the simulator bounds
 * its other requests.
 */
export async function controlFaults<S extends z.ZodType>(req: IncomingMessage, res: ServerResponse, holder: FaultHolder<z.output<S>>, schema: S, maxBodyBytes?: number): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    sendJson(res, 200, holder.faults);
    return;
  }
  if (method === 'DELETE') {
    // Every fault is optional, so the empty set parses to itself.
    holder.faults = schema.parse({});
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') {
    sendJson(res, 405, { error: 'use GET, POST or DELETE' });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse((await readBody(req, maxBodyBytes)) ?? '');
  } catch {
    sendJson(res, 400, { error: 'body must be JSON' });
    return;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    sendJson(res, 400, { error: 'invalid faults', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  holder.faults = parsed.data;
  res.writeHead(204).end();
}
