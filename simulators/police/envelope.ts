/**
 * Reading a SOAP 1.2 request in the police simulator: the envelope (with xml2js, namespaces
 * resolved), the header blocks, and the PersonSearchRequest's criteria and page.
 *
 * Why this file exists: the simulator must answer like a real SOAP service — a SOAP 1.1
 * envelope gets a VersionMismatch fault, a header block it does not understand but must gets a
 * MustUnderstand fault, a body that is not a PersonSearchRequest or breaks its facets gets a
 * Sender fault — so requests are read with their namespaces, not by element names alone. A
 * request with a DTD is refused before parsing, as SOAP requires.
 */
import { parseStringPromise } from 'xml2js';
import { z } from 'zod';
import { err, ok, type Result } from '../../src/lib/result.ts';
import type { NominalQuery } from './search.ts';
import { POLE_NS, SOAP11_NS, SOAP12_NS, WSSE_NS, type FaultCode } from './xml.ts';

/** An element with its namespace resolved. Attributes are keyed `{uri}local`. */
export interface XmlNode {
  readonly uri: string;
  readonly local: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly text: string;
  readonly children: readonly XmlNode[];
}

/** A fault to answer with. */
export interface Fault {
  readonly code: FaultCode;
  readonly subcode?: string;
  readonly reason: string;
}

/** What xml2js gives with `xmlns`, `explicitChildren`, `preserveChildrenOrder` and `explicitCharkey`. */
interface RawNode {
  readonly $ns?: { readonly uri: string; readonly local: string } | undefined;
  readonly $?: Readonly<Record<string, { readonly value: string; readonly local: string; readonly uri: string }>> | undefined;
  readonly _?: string | undefined;
  readonly $$?: readonly RawNode[] | undefined;
}

const RawNode: z.ZodType<RawNode> = z.lazy(() =>
  z.object({
    $ns: z.object({ uri: z.string(), local: z.string() }).optional(),
    $: z.record(z.string(), z.object({ value: z.string(), local: z.string(), uri: z.string() })).optional(),
    _: z.string().optional(),
    $$: z.array(RawNode).optional(),
  }),
);

const RawDocument = z.record(z.string(), RawNode);

function toNode(raw: RawNode, fallbackLocal: string): XmlNode {
  const attributes = new Map<string, string>();
  for (const attribute of Object.values(raw.$ ?? {})) {
    if (attribute.uri === 'http://www.w3.org/2000/xmlns/') continue;
    attributes.set(`{${attribute.uri}}${attribute.local}`, attribute.value);
  }
  return {
    uri: raw.$ns?.uri ?? '',
    local: raw.$ns?.local ?? fallbackLocal,
    attributes,
    text: raw._?.trim() ?? '',
    children: (raw.$$ ?? []).map((child) => toNode(child, '')),
  };
}

export const child = (node: XmlNode | undefined, uri: string, local: string): XmlNode | undefined => node?.children.find((c) => c.uri === uri && c.local === local);
export const children = (node: XmlNode | undefined, uri: string, local: string): XmlNode[] => node?.children.filter((c) => c.uri === uri && c.local === local) ?? [];

/** A parsed SOAP 1.2 request: its header blocks and the first element of its body. */
export interface SoapRequest {
  readonly headerBlocks: readonly XmlNode[];
  readonly payload: XmlNode | undefined;
}

const DTD = /<!\s*(?:DOCTYPE|ENTITY)/i;

/** Parses an envelope, or names the fault to answer with. */
export async function readEnvelope(body: string): Promise<Result<SoapRequest, Fault>> {
  if (DTD.test(body)) return err({ code: 'Sender', subcode: 'pole:InvalidRequest', reason: 'A SOAP message must not contain a document type declaration' });
  let document: unknown;
  try {
    document = await parseStringPromise(body, { xmlns: true, explicitChildren: true, preserveChildrenOrder: true, explicitCharkey: true, charkey: '_', childkey: '$$' });
  } catch {
    return err({ code: 'Sender', subcode: 'pole:InvalidRequest', reason: 'The request is not well-formed XML' });
  }
  const parsed = RawDocument.safeParse(document);
  const [rootName, rootRaw] = parsed.success ? (Object.entries(parsed.data)[0] ?? []) : [];
  if (rootName === undefined || rootRaw === undefined) return err({ code: 'Sender', subcode: 'pole:InvalidRequest', reason: 'The request is not a SOAP envelope' });
  const root = toNode(rootRaw, rootName);
  if (root.local === 'Envelope' && root.uri === SOAP11_NS) {
    return err({ code: 'VersionMismatch', reason: 'This service speaks SOAP 1.2 only (http://www.w3.org/2003/05/soap-envelope)' });
  }
  if (root.local !== 'Envelope' || root.uri !== SOAP12_NS) return err({ code: 'Sender', subcode: 'pole:InvalidRequest', reason: 'The request is not a SOAP envelope' });
  const header = child(root, SOAP12_NS, 'Header');
  const soapBody = child(root, SOAP12_NS, 'Body');
  if (soapBody === undefined) return err({ code: 'Sender', subcode: 'pole:InvalidRequest', reason: 'The envelope has no Body' });
  return ok({ headerBlocks: header?.children ?? [], payload: soapBody.children[0] });
}

/** SOAP 1.2 Part 1 §5.2.3: a header block marked mustUnderstand that we do not process is a fault. */
export function notUnderstood(blocks: readonly XmlNode[]): Fault | undefined {
  for (const block of blocks) {
    const flag = block.attributes.get(`{${SOAP12_NS}}mustUnderstand`);
    if ((flag === 'true' || flag === '1') && !(block.uri === WSSE_NS && block.local === 'Security')) {
      return { code: 'MustUnderstand', reason: 'A mandatory header block was not understood' };
    }
  }
  return undefined;
}

/** A PersonSearchRequest's criteria and page. */
export interface PersonSearchCall {
  readonly query: NominalQuery;
  readonly pageNumber: number;
  readonly pageSize: number;
}

const DEFAULT_PAGE_SIZE = 20;
const text = (max: number) => z.string().trim().min(1).max(max);
const Name = z.object({ given: z.array(text(100)).max(5), family: text(100) });
const Criteria = z.object({
  pncId: z.string().regex(/^(\d{2}|\d{4})\/\d{1,7}[A-Z]$/).optional(),
  names: z.array(Name).max(11),
  birthDate: z.iso.date().optional(),
  sex: z.enum(['M', 'F', 'U']).optional(),
  postcode: z.string().trim().regex(/^[A-Za-z0-9 ]{2,10}$/).optional(),
  pageNumber: z.coerce.number().int().min(1).max(1000),
  pageSize: z.coerce.number().int().min(1).max(50),
});

/** The criteria of a PersonSearchRequest payload, or the fault its content earns. */
export function readPersonSearch(payload: XmlNode | undefined): Result<PersonSearchCall, Fault> {
  if (payload?.uri !== POLE_NS || payload.local !== 'PersonSearchRequest') {
    return err({ code: 'Sender', subcode: 'pole:InvalidRequest', reason: 'The body is not a PersonSearchRequest' });
  }
  const criteria = child(payload, POLE_NS, 'SearchCriteria');
  if (criteria === undefined) return invalidCriteria('SearchCriteria is required');
  const page = child(payload, POLE_NS, 'ResultsPage');
  const readName = (node: XmlNode): { given: string[]; family: string } => ({
    given: children(node, POLE_NS, 'PersonGivenName').map((g) => g.text),
    family: child(node, POLE_NS, 'PersonSurName')?.text ?? '',
  });
  const primary = child(criteria, POLE_NS, 'PersonName');
  const address = child(criteria, POLE_NS, 'Address');
  const parsed = Criteria.safeParse({
    pncId: child(criteria, POLE_NS, 'PNCIdentification')?.text,
    names: [...(primary === undefined ? [] : [readName(primary)]), ...children(criteria, POLE_NS, 'PersonAlternateName').map(readName)],
    birthDate: child(criteria, POLE_NS, 'PersonBirthDate')?.text,
    sex: child(criteria, POLE_NS, 'PersonSexCode')?.text,
    postcode: child(address, POLE_NS, 'LocationPostalCode')?.text,
    pageNumber: child(page, POLE_NS, 'PageNumber')?.text ?? 1,
    pageSize: child(page, POLE_NS, 'PageSize')?.text ?? DEFAULT_PAGE_SIZE,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalidCriteria(`Invalid search criteria${issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}`}`);
  }
  const { pageNumber, pageSize, pncId, names, birthDate, sex, postcode } = parsed.data;
  // A real RMS refuses a search that would match half the county.
  if (pncId === undefined && (primary === undefined || (birthDate === undefined && postcode === undefined))) {
    return invalidCriteria('A PNC id, or a surname with a birth date or postcode, is required');
  }
  const query: NominalQuery = {
    names,
    ...(pncId === undefined ? {} : { pncId }),
    ...(birthDate === undefined ? {} : { birthDate }),
    ...(sex === undefined ? {} : { sex }),
    ...(postcode === undefined ? {} : { postcode }),
  };
  return ok({ query, pageNumber, pageSize });
}

function invalidCriteria(reason: string): Result<never, Fault> {
  return err({ code: 'Sender', subcode: 'pole:InvalidSearchCriteria', reason });
}
