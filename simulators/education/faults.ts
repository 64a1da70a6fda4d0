/**
 * Fault injection for the education simulator: the shared `SimulatorFaults`
 * (latency, status, malformed, hang, oversize, match; `operationOutcome` here answers with the
 * education error document instead of a FHIR OperationOutcome), plus what an XML client must
 * survive: an error document with a chosen code, and broken or hostile bodies — DTDs with
 * internal entities, "billion laughs", an external entity naming a local file.
 *
 * Why this file exists: one fault vocabulary across simulators (any shared fault set is a
 * valid education one, so the embedded harness drives every agency alike), and the adapter's
 * failure handling is only proven against a server that really misbehaves on the wire. The
 * control endpoint's body is outside data, so it is parsed with the same schema that types
 * `setFaults`.
 */
import { z } from 'zod';
import { PUPIL_SEARCH_ERROR_CODES } from '../../src/adapters/education/types.ts';
import { SimulatorFaults } from '../common/faults.ts';

/** The broken bodies the simulator can send (with status 200). */
export const MALFORMED_KINDS = [
  /** Half a document: not well-formed. (`true` means this.) */
  'truncated',
  /** Plain text. */
  'not-xml',
  /** Truncated JSON, as the health simulator sends for `json`. */
  'json',
  /** A proxy's HTML error page (with `<!DOCTYPE html>`). */
  'html',
  /** A valid response behind a harmless-looking DOCTYPE with an internal entity. */
  'doctype',
  /** The health simulator's name for `doctype`. */
  'xml',
  /** "Billion laughs": nested internal entities that expand exponentially. */
  'billion-laughs',
  /** Well-formed XML of the right root with a pupil of the wrong shape. */
  'wrong-shape',
  /** Well-formed XML with another root element. */
  'wrong-root',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export const EducationFaults = SimulatorFaults.extend({
  /** Answer with a PupilSearchError of this code (status 400 unless `status` is given). */
  errorDocument: z.union([z.literal(true), z.enum(PUPIL_SEARCH_ERROR_CODES)]).optional(),
  /** Answer 200 with a broken body (`true`: truncated). */
  malformed: z.union([z.literal(true), z.enum(MALFORMED_KINDS)]).optional(),
  /**
   * Answer 200 with a response whose DTD declares an external entity naming this file and
   * uses it as a pupil's surname: an XXE probe. A client that resolved it would show the file.
   */
  externalEntityFile: z.string().min(1).max(4096).optional(),
}).strict();
export type EducationFaults = z.input<typeof EducationFaults>;
export type ParsedEducationFaults = z.output<typeof EducationFaults>;

/** The error code an `operationOutcome` fault answers with, by HTTP status. */
export function errorCodeForStatus(status: number): (typeof PUPIL_SEARCH_ERROR_CODES)[number] {
  switch (status) {
    case 400:
      return 'INVALID_QUERY';
    case 401:
      return 'UNAUTHORISED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return 'INTERNAL_ERROR';
  }
}
