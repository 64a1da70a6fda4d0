/**
 * Fault injection for the housing simulator: the shared `SimulatorFaults` (latency,
 * status, malformed, hang, oversize, match), plus two faults a JSON REST API can show that FHIR
 * tests did not need. Set in-process with `setFaults` or over HTTP with `POST /_sim/faults`.
 *
 * Why this file exists: one fault vocabulary across simulators keeps benchmarks and tests alike;
 * the additions prove the adapter's parsing (a well-formed JSON body of the wrong shape) and its
 * refusal of XML with an external entity (an XML gateway or proxy answering instead of the
 * API). `operationOutcome` is answered here as an RFC 9457 problem document, the housing API's
 * error format.
 */
import { z } from 'zod';
import { SimulatorFaults } from '../common/faults.ts';

export const HousingSimulatorFaults = SimulatorFaults.extend({
  /** Answer 200 with well-formed JSON that is not a page of results. */
  wrongShape: z.literal(true).optional(),
  /**
   * Answer 200 with an XML document whose DOCTYPE declares an external entity reading this
   * file (a path on the simulator's machine). A safe client never resolves it.
   */
  doctypeEntityFile: z.string().min(1).max(1000).optional(),
}).strict();
export type HousingSimulatorFaults = z.input<typeof HousingSimulatorFaults>;
export type ParsedHousingFaults = z.output<typeof HousingSimulatorFaults>;
