/**
 * Fault injection for the social care simulator: the shared `SimulatorFaults`
 * (latency, status, malformed, hang, oversize, match; `operationOutcome` here answers with an
 * RFC 9457 problem document instead of a FHIR OperationOutcome) plus `body`, which answers with
 * exactly the given bytes — for hostile-input tests such as an XML document whose external
 * entity names a local file.
 *
 * Why this file exists: one fault vocabulary across simulators, so tests and benchmarks drive
 * every agency the same way; the extra `body` fault is what a JSON agency needs to prove it
 * never parses what it was not promised.
 */
import { z } from 'zod';
import { SimulatorFaults } from '../common/faults.ts';

export const SocialCareFaults = SimulatorFaults.extend({
  /** Answer with this body and content type (status 200 unless given); other faults still shape delivery. */
  body: z
    .object({
      status: z.number().int().min(100).max(599).default(200),
      contentType: z.string().min(1).max(200),
      text: z.string().max(1_000_000),
    })
    .strict()
    .optional(),
}).strict();
export type SocialCareFaults = z.input<typeof SocialCareFaults>;
export type ParsedSocialCareFaults = z.output<typeof SocialCareFaults>;
