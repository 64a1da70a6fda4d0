/**
 * Fault injection for the police SOAP simulator: the shared `SimulatorFaults`
 * (latency, status, malformed, hang, oversize, match; `operationOutcome` here answers with a
 * SOAP 1.2 Receiver fault, its diagnostics as the reason), plus what SOAP needs: `soapFault`
 * with a chosen code and subcode, and the hostile XML a SOAP client must refuse — DTDs with
 * internal entities, an external entity naming a local file, XML that is not an envelope, and an
 * envelope whose body breaks the contract.
 *
 * Why this file exists: one fault vocabulary across simulators (any shared fault set is
 * a valid police one, so the embedded harness drives every agency alike), and the adapter's
 * failure handling is only proven against a server that really misbehaves on the wire. The
 * control endpoint's body is outside data, so it is parsed with the same schema that types
 * `setFaults`.
 */
import { z } from 'zod';
import { SimulatorFaults as HttpFaults } from '../common/faults.ts';

const QNAME = /^(?:[A-Za-z_][\w.-]{0,30}:)?[A-Za-z_][\w.-]{0,60}$/;

export const PoliceSimulatorFaults = HttpFaults.extend({
    /**
     * Answer with a SOAP 1.2 Fault: env:Receiver (HTTP 500) unless `code` says env:Sender
     * (HTTP 400); `status` overrides the HTTP status. A `subcode` in the `pole:` or `wsse:`
     * prefix is declared; `reason` is the env:Reason text.
     */
    soapFault: z
      .union([
        z.literal(true),
        z
          .object({
            code: z.enum(['Sender', 'Receiver']).default('Receiver'),
            subcode: z.string().regex(QNAME).optional(),
            reason: z.string().min(1).max(1000).optional(),
          })
          .strict(),
      ])
      .optional(),
    /**
     * Answer 200 with a broken body: `xml` (or `true`) a truncated envelope, `json` truncated
     * JSON, `doctype` an envelope behind a DTD with nested internal entities, `html` an HTML
     * error page, `not-soap` well-formed XML that is no envelope, `wrong-shape` an envelope whose
     * PersonSearchResponse breaks the XSD.
     */
    malformed: z.union([z.literal(true), z.enum(['xml', 'json', 'doctype', 'html', 'not-soap', 'wrong-shape'])]).optional(),
    /**
     * Answer 200 with an envelope whose DTD declares an external entity naming this local file
     * (XXE), used in the body. A client that expanded it would read the file.
     */
    externalEntityFile: z.string().min(1).max(1000).optional(),
    /**
     * Only requests whose descriptor contains this text are affected. The descriptor is
     * `POST <path> PersonSearch page=<n>` (e.g. match "page=2"); without `match`, every SOAP
     * request is, but not WSDL downloads or this control endpoint.
     */
    match: z.string().min(1).max(200).optional(),
  }).strict();
export type PoliceSimulatorFaults = z.input<typeof PoliceSimulatorFaults>;
export type ParsedPoliceFaults = z.output<typeof PoliceSimulatorFaults>;
