/**
 * How an adapter says why a response did not match its schema.
 *
 * Why this file exists: a failure reason is shown and logged, and an agency's response carries
 * personal data, so a schema failure is described by where it happened (property names and
 * indices) and the schema's own message — never by the value that failed. Every adapter that
 * parses responses with zod needs the same description.
 */

/** A schema as the adapters use it: zod's `safeParse`, typed by what it parses to. */
export interface ItemSchema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: readonly SchemaIssue[] } };
}

/** The parts of a zod issue that are safe to report. */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** "entry.[0].name: message" from the first issue: property names and indices only, never values. */
export function describeIssue(issues: readonly SchemaIssue[]): string {
  const first = issues[0];
  if (first === undefined) return 'invalid';
  const path = first.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
  return `${path === '' ? '(root)' : path}: ${first.message}`;
}
