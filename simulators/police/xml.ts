/**
 * The XML the police simulator sends: PersonSearch response payloads built from the population's
 * police view, SOAP 1.2 envelopes and faults, and the hostile bodies of fault injection.
 *
 * Why this file exists: the simulator is the second, independent implementation of
 * contracts/police/ (the adapter's side is node-soap reading the WSDL), so its XML is written by
 * hand, element by element in the XSD's sequence order, and a test validates it against the XSD
 * with xmllint. Every text value is escaped; nothing from a request is echoed into a response.
 */
import { HTML_ERROR_PAGE } from '../common/delivery.ts';
import type { AgencyLink, PoliceEvent, PoliceLinkKind, PoliceNominal, RecordedAddress, RecordedName } from '../population/index.ts';
import { sexCode, type PoliceIndex } from './search.ts';

export const POLE_NS = 'https://mash-gateway.invalid/schema/police/pole/1';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

/** Characters XML 1.0 cannot carry at all, then the five that need escaping. */
export function escapeXml(value: string): string {
  return value
    // eslint-disable-next-line no-control-regex -- not representable in XML 1.0
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

type Content = string | undefined | readonly Content[];

const flat = (content: Content): string => (content === undefined ? '' : typeof content === 'string' ? content : content.map(flat).join(''));

/** `<pole:Name>…</pole:Name>` around already-built content. */
const el = (name: string, ...content: Content[]): string => `<pole:${name}>${flat(content)}</pole:${name}>`;

/** `<pole:Name>escaped value</pole:Name>`, or nothing for an absent value. */
const leaf = (name: string, value: string | number | boolean | undefined): string | undefined =>
  value === undefined ? undefined : `<pole:${name}>${escapeXml(String(value))}</pole:${name}>`;

/** The paging of one response. */
export interface ResultsPage {
  readonly totalMatches: number;
  readonly pageNumber: number;
  readonly pageSize: number;
  readonly morePages: boolean;
}

/** The system name the simulator reports in `SearchResultsMetadata`. */
export const SIMULATED_SYSTEM = 'Simulated force records management system (POLE)';

/** The PersonSearchResponse payload (the SOAP body content) for one page of candidates. */
export function personSearchResponse(index: PoliceIndex, nominals: readonly PoliceNominal[], page: ResultsPage): string {
  return `<pole:PersonSearchResponse xmlns:pole="${POLE_NS}">${el(
    'SearchResultsMetadata',
    leaf('TotalMatchCount', page.totalMatches),
    leaf('PageNumber', page.pageNumber),
    leaf('PageSize', page.pageSize),
    leaf('MorePagesIndicator', page.morePages),
    leaf('SourceSystemNameText', SIMULATED_SYSTEM),
  )}${nominals.map((n) => personSearchResult(index, n)).join('')}</pole:PersonSearchResponse>`;
}

function personSearchResult(index: PoliceIndex, nominal: PoliceNominal): string {
  const events = index.eventsByNominal.get(nominal.recordId) ?? [];
  const ofKind = (kind: PoliceEvent['kind']): PoliceEvent[] => events.filter((e) => e.kind === kind);
  return el(
    'PersonSearchResult',
    nominalXml(nominal),
    associations(index, nominal),
    ofKind('incident').map((e) => incident(e, nominal.recordId)),
    ofKind('crime').map((e) => crime(e, nominal.recordId)),
    ofKind('intelligence').map((e) => intelligence(e, nominal.recordId)),
  );
}

function nominalXml(nominal: PoliceNominal): string {
  return el(
    'Nominal',
    leaf('NominalIdentification', nominal.recordId),
    leaf('PNCIdentification', nominal.pncId),
    personName('PersonName', nominal.name),
    nominal.otherNames.slice(0, 20).map((n) => personName('PersonAlternateName', n)),
    leaf('PersonBirthDate', nominal.birthDate),
    leaf('PersonSexCode', sexCode(nominal.sex)),
    nominal.address === undefined ? undefined : el('NominalAddress', addressParts(nominal.address), leaf('AddressCategoryCode', 'home')),
    nominal.warningMarkers.map((m) => el('WarningMarker', leaf('WarningMarkerCode', m.code), leaf('WarningMarkerDescriptionText', m.label), leaf('WarningMarkerStartDate', m.since))),
    leaf('RecordLastUpdatedDateTime', `${nominal.updatedOn}T00:00:00Z`),
  );
}

function personName(element: string, name: RecordedName): string {
  return el(element, name.given.slice(0, 5).map((g) => leaf('PersonGivenName', g)), leaf('PersonSurName', name.family));
}

function addressParts(address: RecordedAddress): Content {
  return [address.lines.slice(0, 6).map((l) => leaf('AddressLine', l)), leaf('LocationTownName', address.town), leaf('LocationPostalCode', address.postcode), leaf('UPRN', address.uprn)];
}

/** The population's link kinds as the contract's association codes; every police link is symmetric. */
const ASSOCIATION_CODES: Readonly<Record<PoliceLinkKind, string>> = { partner: 'partner', family: 'family-member', household: 'household-member', associate: 'associate' };

function associations(index: PoliceIndex, nominal: PoliceNominal): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const link of index.linksByNominal.get(nominal.recordId) ?? []) {
    const otherId = otherEnd(link, nominal.recordId);
    const other = otherId === undefined ? undefined : index.nominalById.get(otherId);
    const code = ASSOCIATION_CODES[link.relationship];
    if (other === undefined || seen.has(`${other.recordId}|${code}`)) continue;
    seen.add(`${other.recordId}|${code}`);
    result.push(
      el(
        'Association',
        el('AssociatedNominal', leaf('NominalIdentification', other.recordId), leaf('PNCIdentification', other.pncId), personName('PersonName', other.name), leaf('PersonBirthDate', other.birthDate)),
        leaf('AssociationTypeCode', code),
      ),
    );
  }
  return result;
}

function otherEnd(link: AgencyLink<PoliceLinkKind>, id: string): string | undefined {
  if (link.fromRecordId === id && link.toRecordId !== id) return link.toRecordId;
  if (link.toRecordId === id && link.fromRecordId !== id) return link.fromRecordId;
  return undefined;
}

/** The population's role words as the contract's role codes. */
const ROLE_CODES: Readonly<Record<string, string>> = {
  victim: 'victim',
  suspect: 'suspect',
  offender: 'offender',
  witness: 'witness',
  'reporting person': 'reporting-person',
  'missing person': 'missing-person',
  'child present': 'child-present',
  subject: 'subject',
  involved: 'involved',
};

const roleCode = (event: PoliceEvent, id: string): string => ROLE_CODES[event.roles[id] ?? 'involved'] ?? 'involved';

function involved(event: PoliceEvent, subjectId: string): string[] {
  return event.recordIds
    .filter((id) => id !== subjectId)
    .slice(0, 50)
    .map((id) => el('InvolvedNominal', leaf('NominalIdentification', id), leaf('InvolvementRoleCode', roleCode(event, id))));
}

function incident(event: PoliceEvent, subjectId: string): string {
  return el(
    'Incident',
    leaf('IncidentIdentification', event.eventId),
    leaf('IncidentCategoryCode', event.incidentType ?? 'other'),
    leaf('IncidentDate', event.date),
    event.location === undefined ? undefined : el('IncidentLocation', addressParts(event.location)),
    leaf('IncidentSummaryText', event.text),
    leaf('HandlingCode', event.sensitivity),
    leaf('SubjectRoleCode', roleCode(event, subjectId)),
    involved(event, subjectId),
  );
}

function crime(event: PoliceEvent, subjectId: string): string {
  return el(
    'Crime',
    leaf('CrimeReferenceIdentification', event.eventId),
    leaf('CrimeClassificationText', event.crimeType ?? 'Crime (classification not recorded)'),
    leaf('OffenceDate', event.date),
    event.location === undefined ? undefined : el('CrimeLocation', addressParts(event.location)),
    leaf('CrimeSummaryText', event.text),
    leaf('HandlingCode', event.sensitivity),
    leaf('SubjectRoleCode', roleCode(event, subjectId)),
    involved(event, subjectId),
  );
}

function intelligence(event: PoliceEvent, subjectId: string): string {
  return el(
    'IntelligenceReport',
    leaf('IntelligenceIdentification', event.eventId),
    leaf('IntelligenceReportDate', event.date),
    leaf('IntelligenceText', event.text),
    // The population grades on the 5x5x5 model; an ungraded report is "untested source, cannot be judged".
    el('Grading5x5x5', leaf('SourceEvaluationCode', event.sourceGrading ?? 'E'), leaf('IntelligenceEvaluationCode', event.intelligenceGrading ?? 4), leaf('HandlingCode', event.sensitivity)),
    leaf('SubjectRoleCode', roleCode(event, subjectId)),
  );
}

/** A SOAP 1.2 envelope around a body payload. */
export function envelope(payload: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="${SOAP12_NS}"><env:Body>${payload}</env:Body></env:Envelope>\n`;
}

/** The codes the simulator's faults use. */
export type FaultCode = 'Sender' | 'Receiver' | 'MustUnderstand' | 'VersionMismatch';

/** The contract's own fault codes, which also get a `pole:PersonSearchFault` detail. */
const POLE_FAULT_CODES: ReadonlySet<string> = new Set(['InvalidRequest', 'InvalidSearchCriteria', 'ServiceUnavailable']);

/** A SOAP 1.2 Fault envelope (Part 1 §5.4). `subcode` is a QName with prefix `pole:` or `wsse:`. */
export function faultEnvelope(code: FaultCode, reason: string, subcode?: string): string {
  const declarations = ` xmlns:pole="${POLE_NS}" xmlns:wsse="${WSSE_NS}"`;
  const sub = subcode === undefined ? '' : `<env:Subcode><env:Value${declarations}>${escapeXml(subcode)}</env:Value></env:Subcode>`;
  const local = subcode?.startsWith('pole:') === true ? subcode.slice('pole:'.length) : undefined;
  const detail =
    local !== undefined && POLE_FAULT_CODES.has(local)
      ? `<env:Detail><pole:PersonSearchFault xmlns:pole="${POLE_NS}">${leaf('FaultCode', local) ?? ''}${leaf('FaultText', reason.slice(0, 200)) ?? ''}</pole:PersonSearchFault></env:Detail>`
      : '';
  return envelope(
    `<env:Fault><env:Code><env:Value>env:${code}</env:Value>${sub}</env:Code><env:Reason><env:Text xml:lang="en">${escapeXml(reason)}</env:Text></env:Reason>${detail}</env:Fault>`,
  );
}

/** The HTTP status of a fault (SOAP 1.2 Part 2 §7.5.2.2, table 23). */
export const faultStatus = (code: FaultCode): number => (code === 'Sender' ? 400 : 500);

/** The hostile and broken bodies of `malformed` fault injection. */
export function malformedBody(kind: 'xml' | 'json' | 'doctype' | 'html' | 'not-soap' | 'wrong-shape'): { contentType: string; body: string } {
  switch (kind) {
    case 'json':
      return { contentType: 'application/json', body: '{"PersonSearchResponse":{"SearchResultsMetadata":{"TotalMatchCount":' };
    case 'xml':
      return { contentType: SOAP_CONTENT_TYPE, body: `<?xml version="1.0"?><env:Envelope xmlns:env="${SOAP12_NS}"><env:Body><pole:PersonSearchResponse xmlns:pole="${POLE_NS}"><pole:Search` };
    case 'doctype':
      return {
        contentType: SOAP_CONTENT_TYPE,
        body:
          `<?xml version="1.0"?>\n<!DOCTYPE env:Envelope [\n<!ENTITY a "expanded">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n` +
          envelope(`<pole:PersonSearchResponse xmlns:pole="${POLE_NS}"><pole:SearchResultsMetadata><pole:TotalMatchCount>0</pole:TotalMatchCount><pole:PageNumber>1</pole:PageNumber><pole:PageSize>5</pole:PageSize><pole:MorePagesIndicator>false</pole:MorePagesIndicator><pole:SourceSystemNameText>&c;</pole:SourceSystemNameText></pole:SearchResultsMetadata></pole:PersonSearchResponse>`).replace(/^<\?xml[^>]*>\n/, ''),
      };
    case 'html':
      return { contentType: HTML_ERROR_PAGE.contentType, body: HTML_ERROR_PAGE.body };
    case 'not-soap':
      return { contentType: 'application/xml', body: '<?xml version="1.0"?><error><message>Service temporarily unavailable</message></error>' };
    case 'wrong-shape':
      return {
        contentType: SOAP_CONTENT_TYPE,
        body: envelope(`<pole:PersonSearchResponse xmlns:pole="${POLE_NS}"><pole:PersonSearchResult><pole:Nominal><pole:NominalIdentification>NOM999999</pole:NominalIdentification></pole:Nominal></pole:PersonSearchResult></pole:PersonSearchResponse>`),
      };
    default:
      return kind satisfies never;
  }
}

/** An envelope whose DTD declares an external entity for a local file, used in the body (XXE). */
export function externalEntityBody(file: string): string {
  const uri = `file://${file.split('/').map(encodeURIComponent).join('/')}`;
  return (
    `<?xml version="1.0"?>\n<!DOCTYPE env:Envelope [<!ENTITY xxe SYSTEM "${escapeXml(uri)}">]>\n` +
    envelope(`<pole:PersonSearchResponse xmlns:pole="${POLE_NS}"><pole:SearchResultsMetadata><pole:TotalMatchCount>0</pole:TotalMatchCount><pole:PageNumber>1</pole:PageNumber><pole:PageSize>5</pole:PageSize><pole:MorePagesIndicator>false</pole:MorePagesIndicator><pole:SourceSystemNameText>&xxe;</pole:SourceSystemNameText></pole:SearchResultsMetadata></pole:PersonSearchResponse>`).replace(/^<\?xml[^>]*>\n/, '')
  );
}
