/**
 * A minimal JSON Schema validator for the subset of keywords the housing contract
 * (contracts/housing/openapi.json) and the UKHDS `person_alert.schema.json` use.
 *
 * Why our own: the housing contract tests must check what the simulator serves against the
 * contract's JSON Schemas, independently of the adapter's zod schemas (which are lenient by
 * design and so prove nothing about the server). No JSON Schema validator is among the
 * project's dependencies, and the subset needed is small. To keep the subset honest, a schema
 * using any keyword outside it is refused with an error rather than half-checked: a passing
 * validation therefore means every keyword in the schema was applied.
 *
 * Supported: type (incl. lists and "null"), enum, const, properties, required,
 * additionalProperties (boolean or schema), items, minItems, maxItems, minLength, maxLength,
 * pattern, minimum, maximum, format (date, date-time, uri), oneOf, anyOf, allOf and local
 * `$ref` ("#/…" JSON pointers). Annotations (title, description, default, examples, $schema,
 * $id, $defs, deprecated, readOnly, writeOnly) are ignored.
 */

type Schema = Readonly<Record<string, unknown>>;

const ANNOTATIONS: ReadonlySet<string> = new Set(['title', 'description', 'default', 'examples', '$schema', '$id', '$defs', 'deprecated', 'readOnly', 'writeOnly']);
const ASSERTIONS: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'format', 'oneOf', 'anyOf', 'allOf', '$ref',
]);

/** A schema used a keyword outside the supported subset. */
export class UnsupportedSchemaError extends Error {
  constructor(keyword: string, at: string) {
    super(`JSON Schema keyword "${keyword}" at ${at} is not supported by this validator`);
    this.name = 'UnsupportedSchemaError';
  }
}

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

/**
 * Validates `instance` against `schema`, resolving `$ref`s in `root`. Returns one message per
 * violation ("$.items[0].surname: …"); an empty list means valid.
 */
export function validateJsonSchema(schema: unknown, instance: unknown, root: unknown = schema): string[] {
  const errors: string[] = [];
  check(asSchema(schema, '#'), instance, '$', asSchema(root, '#'), '#', errors);
  return errors;
}

function asSchema(value: unknown, at: string): Schema {
  if (!isObject(value)) throw new Error(`schema at ${at} is not an object`);
  return value;
}

function check(schema: Schema, value: unknown, path: string, root: Schema, at: string, errors: string[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) throw new UnsupportedSchemaError(keyword, at);
  }
  const ref = schema.$ref;
  if (typeof ref === 'string') check(resolve(root, ref), value, path, root, ref, errors);

  const type = schema.type;
  if (type !== undefined) {
    const types: readonly unknown[] = isList(type) ? type : [type];
    if (!types.some((t) => typeof t === 'string' && hasType(value, t))) {
      errors.push(`${path}: expected ${types.map(String).join(' or ')}`);
      return;
    }
  }
  const allowed = schema.enum;
  if (isList(allowed) && !allowed.some((a) => JSON.stringify(a) === JSON.stringify(value))) errors.push(`${path}: not one of the allowed values`);
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) errors.push(`${path}: not the required constant`);

  if (typeof value === 'string') checkString(schema, value, path, errors);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (isList(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) {
      const items = asSchema(schema.items, `${at}/items`);
      value.forEach((item, i) => check(items, item, `${path}[${i}]`, root, `${at}/items`, errors));
    }
  }
  if (isObject(value)) checkObject(schema, value, path, root, at, errors);
  checkCombinators(schema, value, path, root, at, errors);
}

function checkString(schema: Schema, value: string, path: string, errors: string[]): void {
  // JSON Schema counts string length in code points (2020-12 §6.3.1), as Array.from does.
  const length = Array.from(value).length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  if (typeof schema.format === 'string' && !formatHolds(schema.format, value)) errors.push(`${path}: not a valid ${schema.format}`);
}

function checkObject(schema: Schema, value: Readonly<Record<string, unknown>>, path: string, root: Schema, at: string, errors: string[]): void {
  const properties = schema.properties === undefined ? {} : asSchema(schema.properties, `${at}/properties`);
  if (isList(schema.required)) {
    for (const name of schema.required) if (typeof name === 'string' && !(name in value)) errors.push(`${path}: missing required property ${name}`);
  }
  for (const [name, propertyValue] of Object.entries(value)) {
    const propertySchema = properties[name];
    if (propertySchema !== undefined) {
      check(asSchema(propertySchema, `${at}/properties/${name}`), propertyValue, `${path}.${name}`, root, `${at}/properties/${name}`, errors);
    } else if (schema.additionalProperties === false) {
      errors.push(`${path}: unexpected property ${name}`);
    } else if (isObject(schema.additionalProperties)) {
      check(schema.additionalProperties, propertyValue, `${path}.${name}`, root, `${at}/additionalProperties`, errors);
    }
  }
}

function checkCombinators(schema: Schema, value: unknown, path: string, root: Schema, at: string, errors: string[]): void {
  const passes = (list: unknown, keyword: string): boolean[] =>
    (isList(list) ? list : []).map((s, i) => {
      const sub: string[] = [];
      check(asSchema(s, `${at}/${keyword}/${i}`), value, path, root, `${at}/${keyword}/${i}`, sub);
      return sub.length === 0;
    });
  if (schema.oneOf !== undefined && passes(schema.oneOf, 'oneOf').filter(Boolean).length !== 1) errors.push(`${path}: does not match exactly one of oneOf`);
  if (schema.anyOf !== undefined && !passes(schema.anyOf, 'anyOf').some(Boolean)) errors.push(`${path}: matches none of anyOf`);
  if (schema.allOf !== undefined && !passes(schema.allOf, 'allOf').every(Boolean)) errors.push(`${path}: does not match all of allOf`);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      throw new UnsupportedSchemaError(`type: ${type}`, '(type)');
  }
}

/** RFC 3339 full-date / date-time (with offset) and absolute URIs. */
function formatHolds(format: string, value: string): boolean {
  switch (format) {
    case 'date':
      return isRealDay(value);
    case 'date-time': {
      const match = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(value);
      return match?.[1] !== undefined && isRealDay(match[1]) && Number(match[2]) < 24 && Number(match[3]) < 60 && Number(match[4]) < 61;
    }
    case 'uri':
      try {
        return new URL(value).protocol !== '';
      } catch {
        return false;
      }
    default:
      throw new UnsupportedSchemaError(`format: ${format}`, '(format)');
  }
}

function isRealDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A local JSON pointer ("#/components/schemas/Person") in the root document. */
function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new UnsupportedSchemaError(`$ref to ${ref}`, ref);
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) || !(key in node)) throw new Error(`unresolvable $ref ${ref}`);
    node = node[key];
  }
  return asSchema(node, ref);
}

/**
 * Walks every subschema of `schema` (properties, items, additionalProperties, combinators,
 * $defs) and throws `UnsupportedSchemaError` at the first keyword outside the subset, so a
 * schema is known to be fully checkable before any instance is validated against it.
 */
export function assertSupported(schema: unknown, at = '#'): void {
  const node = asSchema(schema, at);
  for (const keyword of Object.keys(node)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) throw new UnsupportedSchemaError(keyword, at);
  }
  if (typeof node.type === 'string') hasType(null, node.type);
  if (isList(node.type)) for (const t of node.type) if (typeof t === 'string') hasType(null, t);
  if (typeof node.format === 'string') formatHolds(node.format, '');
  const children: [string, unknown][] = [];
  for (const container of ['properties', '$defs'] as const) {
    const value = node[container];
    if (isObject(value)) for (const [name, sub] of Object.entries(value)) children.push([`${at}/${container}/${name}`, sub]);
  }
  if (node.items !== undefined) children.push([`${at}/items`, node.items]);
  if (isObject(node.additionalProperties)) children.push([`${at}/additionalProperties`, node.additionalProperties]);
  for (const combinator of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = node[combinator];
    if (isList(list)) list.forEach((sub, i) => children.push([`${at}/${combinator}/${i}`, sub]));
  }
  for (const [path, sub] of children) assertSupported(sub, path);
}
