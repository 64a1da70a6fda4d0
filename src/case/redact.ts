/**
 * Applying an owner's redactions to an item: named fields of the fact are replaced by
 * a redaction marker carrying the owner's replacement text. Pure; the original stays sealed in
 * the confidential record.
 */
import type { Agency } from '../model/agency.ts';
import type { Fact } from '../model/fact.ts';
import { redactionMarker, type Redaction } from '../model/product.ts';

/** Fields an owner may not redact: they say what the item is and where it came from. */
const STRUCTURAL = new Set(['id', 'kind', 'personRef']);

/** Split a field path like `names.0.family` or `detail`; provenance is never redactable. */
const pathOf = (field: string): string[] => field.split('.');

function getAt(value: unknown, path: readonly string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Why a redaction cannot apply to this fact, or undefined when it can. */
export function redactionProblem(fact: Fact, redaction: Redaction): string | undefined {
  const path = pathOf(redaction.field);
  if (path[0] === undefined || STRUCTURAL.has(path[0]) || path[0] === 'provenance') return `field ${redaction.field} cannot be redacted`;
  const value = getAt(fact, path);
  if (typeof value !== 'string') return `item has no text field ${redaction.field}`;
  return undefined;
}

/** The fact's content with each named field replaced by its marker. */
export function applyRedactions(fact: Fact, agency: Agency, redactions: readonly Redaction[]): Record<string, unknown> {
  const copy = structuredClone(fact) as unknown as Record<string, unknown>;
  for (const redaction of redactions) {
    const path = pathOf(redaction.field);
    const last = path.pop();
    const parent = getAt(copy, path);
    if (last !== undefined && parent !== null && typeof parent === 'object') (parent as Record<string, unknown>)[last] = redactionMarker(agency, redaction.replacement);
  }
  return copy;
}
