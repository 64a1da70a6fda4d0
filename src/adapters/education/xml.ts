/**
 * Reading an education system's XML safely: refuse any DTD, parse with xml2js, check the shape
 * with zod.
 *
 * Why this file exists: XML is the one agency format that can ask its parser to do things — a
 * DOCTYPE may declare entities that expand exponentially ("billion laughs") or name files and
 * URLs to pull in (XXE, OWASP XML External Entity Prevention Cheat Sheet). No pupil search
 * document needs a DTD, so any markup declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`,
 * `<!ATTLIST`, `<!NOTATION`, or any other `<!` that is not a comment or CDATA section) fails
 * the response *before* a parser sees it: nothing is expanded, fetched or read. Only then does
 * xml2js (sax, strict mode) build a tree, and zod decides whether that tree is a document we
 * understand. Failure reasons name what was wrong, never the text that was there.
 */
import { Parser } from 'xml2js';
import type { z } from 'zod';
import { err, ok, type Result } from '../../lib/result.ts';
import { adapterFailure } from '../http/exchange.ts';
import type { AdapterFailure } from '../port.ts';
import { PupilSearchError, PupilSearchResponse } from './types.ts';

/** A malformed-response failure naming what was wrong (never the text that was there). */
const malformed = (reason: string): Result<never, AdapterFailure> => err(adapterFailure('malformed-response', reason));

/**
 * A markup declaration anywhere in the text. Matched case-insensitively and wherever it stands
 * (even inside a comment or CDATA section, where it would be harmless): refusing too much is
 * the safe side, and no document of ours contains one.
 */
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/i;

/** True when the text carries a DTD or any other markup declaration. */
export function hasMarkupDeclaration(xml: string): boolean {
  return MARKUP_DECLARATION.test(xml);
}

/** xml2js settings the schemas in types.ts are written for. */
const PARSER_OPTIONS = {
  explicitArray: true,
  explicitRoot: true,
  ignoreAttrs: true,
  trim: true,
  normalize: false,
  strict: true,
  async: false,
} as const;

/**
 * Parses XML text into xml2js's tree, or names why it cannot. The DTD check runs first; a
 * document with one is never handed to the parser.
 */
export async function parseXml(xml: string, callName: string): Promise<Result<unknown, AdapterFailure>> {
  if (hasMarkupDeclaration(xml)) {
    return malformed(`${callName}: response contains a DOCTYPE or entity declaration, refused unparsed`);
  }
  const body = xml.replace(/^\uFEFF/, '').trimStart();
  if (!body.startsWith('<')) return malformed(`${callName}: response is not XML`);
  try {
    const tree: unknown = await new Parser(PARSER_OPTIONS).parseStringPromise(body);
    if (tree === null || typeof tree !== 'object') return malformed(`${callName}: response is not an XML document`);
    // xml2js stops at the end of the first element and ignores anything after it; XML allows only
    // comments, processing instructions and white space there (XML 1.0 §2.1, "Misc").
    const root = rootName(tree);
    if (root === undefined || !endsWithRoot(body, root)) return malformed(`${callName}: response is not well-formed XML`);
    return ok(tree);
  } catch {
    // sax's message quotes the offending character and position: not echoed.
    return malformed(`${callName}: response is not well-formed XML`);
  }
}

/** True when, after the document element ends, only comments, processing instructions and white space follow. */
function endsWithRoot(body: string, root: string): boolean {
  let tail = body.trimEnd();
  for (;;) {
    const marker = tail.endsWith('-->') ? '<!--' : tail.endsWith('?>') ? '<?' : undefined;
    if (marker === undefined) break;
    const start = tail.lastIndexOf(marker);
    if (start < 0) return false;
    tail = tail.slice(0, start).trimEnd();
  }
  const last = tail.slice(-200);
  const closing = /<\/([A-Za-z_][\w.-]{0,63})\s*>$/.exec(last) ?? /<([A-Za-z_][\w.-]{0,63})(\s[^<>]*)?\/>$/.exec(last);
  return closing?.[1] === root;
}

/** The root element's name of a parsed tree, when it is a plain XML name (for messages). */
export function rootName(tree: unknown): string | undefined {
  if (tree === null || typeof tree !== 'object') return undefined;
  const [first] = Object.keys(tree);
  return first !== undefined && /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(first) ? first : undefined;
}

/** The path and message of a zod issue: element names and positions only, never values. */
export function describeIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  if (first === undefined) return 'invalid';
  // Every xml2js child is an array, so positions appear as [0]; the repeated elements' positions say which record.
  const path = first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  // zod's messages name expectations ("Invalid input: expected string"), not the input.
  return `${path === '' ? '(root)' : path}: ${first.message}`;
}

/** What a pupil search response body turned out to be. */
export type PupilSearchDocument =
  | { readonly kind: 'response'; readonly response: z.output<typeof PupilSearchResponse> }
  | { readonly kind: 'error'; readonly code: z.output<typeof PupilSearchError>['PupilSearchError']['Code'] };

/** Reads a body as a PupilSearchResponse or PupilSearchError document. */
export async function readPupilSearch(xml: string, callName: string): Promise<Result<PupilSearchDocument, AdapterFailure>> {
  const tree = await parseXml(xml, callName);
  if (!tree.ok) return tree;
  const root = rootName(tree.value);
  if (root === 'PupilSearchError') {
    const error = PupilSearchError.safeParse(tree.value);
    if (!error.success) return malformed(`${callName}: PupilSearchError is not valid (${describeIssue(error.error.issues)})`);
    return ok({ kind: 'error', code: error.data.PupilSearchError.Code });
  }
  if (root !== 'PupilSearchResponse') {
    return malformed(`${callName}: expected a PupilSearchResponse, got ${root === undefined ? 'another document' : `<${root}>`}`);
  }
  const response = PupilSearchResponse.safeParse(tree.value);
  if (!response.success) return malformed(`${callName}: PupilSearchResponse is not valid (${describeIssue(response.error.issues)})`);
  return ok({ kind: 'response', response: response.data });
}
