/**
 * Broken and hostile bodies for the education simulator's `malformed` and `externalEntityFile`
 * faults.
 *
 * Why this file exists: an XML client meets more than bad syntax. A DOCTYPE can declare
 * entities that expand exponentially ("billion laughs") or name a local file or URL to pull into
 * the document (XXE). The adapter must refuse all of them before parsing and say so without
 * echoing them; these are the documents that prove it, kept apart from the server so each is
 * easy to read. Synthetic data only.
 */
import { pathToFileURL } from 'node:url';
import type { MalformedKind } from './faults.ts';

/** A small, valid search response with one pupil, whose surname can be replaced. */
function oneFakePupil(surname: string, extraPupilElements = ''): string {
  return [
    '<PupilSearchResponse>',
    '  <Paging><Page>1</Page><PageSize>5</PageSize><TotalMatches>1</TotalMatches></Paging>',
    '  <CTfile>',
    '    <Header><DocumentName>Common Transfer File</DocumentName><CTFversion>26.0</CTFversion><DateTime>2026-11-21T09:00:00Z</DateTime>',
    '      <DocumentQualifier>partial</DocumentQualifier><SupplierID>hostile</SupplierID><SourceSchool><LEA>382</LEA></SourceSchool></Header>',
    '    <CTFpupilData>',
    `      <Pupil><RecordID>PUP999999</RecordID><Surname>${surname}</Surname><Forename>Test</Forename>${extraPupilElements}</Pupil>`,
    '    </CTFpupilData>',
    '  </CTfile>',
    '</PupilSearchResponse>',
    '',
  ].join('\n');
}

/** The body for a malformed-response fault; `valid` is the response that would have been sent, if any. */
export function malformedBody(kind: MalformedKind | { readonly externalEntityFile: string }, valid: string | undefined): string {
  if (typeof kind === 'object') {
    // XXE probe (OWASP XML External Entity Prevention): an external entity naming a local file.
    const target = pathToFileURL(kind.externalEntityFile).href.replace(/"/g, '%22');
    return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE PupilSearchResponse [\n  <!ENTITY xxe SYSTEM "${target}">\n]>\n${oneFakePupil('&xxe;', '<Gender>M</Gender>')}`;
  }
  switch (kind) {
    case 'truncated': {
      const whole = valid ?? `<?xml version="1.0" encoding="UTF-8"?>\n${oneFakePupil('Truncated', '<Gender>M</Gender>')}`;
      return whole.slice(0, Math.floor(whole.length / 2));
    }
    case 'not-xml':
      return 'Service temporarily unavailable. Please try again later.\n';
    case 'json':
      return '{"pupils":[{"surname":"Trunc';
    case 'html':
      return '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n';
    case 'doctype':
    case 'xml': {
      // Harmless-looking: an internal entity, and the rest a valid response. Still refused.
      const rest = (valid ?? oneFakePupil('Doctype', '<Gender>M</Gender>')).replace(/^<\?xml[^>]*\?>\s*/, '');
      return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE PupilSearchResponse [\n  <!ENTITY la "382">\n]>\n${rest}`;
    }
    case 'billion-laughs': {
      const entities = ['  <!ENTITY lol0 "lol">'];
      for (let i = 1; i <= 9; i += 1) entities.push(`  <!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
      return `<?xml version="1.0"?>\n<!DOCTYPE PupilSearchResponse [\n${entities.join('\n')}\n]>\n${oneFakePupil('&lol9;', '<Gender>M</Gender>')}`;
    }
    case 'wrong-shape':
      // Well-formed, right root, but a gender outside the code list and a day that does not exist.
      return `<?xml version="1.0" encoding="UTF-8"?>\n${oneFakePupil('Wrongshape', '<DOB>2017-02-30</DOB><Gender>X</Gender>')}`;
    case 'wrong-root':
      return '<?xml version="1.0" encoding="UTF-8"?>\n<Patient><id>1</id><name>Not a pupil search</name></Patient>\n';
    default:
      return kind satisfies never;
  }
}
