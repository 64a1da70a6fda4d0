/**
 * The REST contract with the host has three statements of the same rules, and this test makes
 * them agree:
 * - contracts/host/product.schema.json, what host vendors read and validate with;
 * - the host simulator's zod mirror (simulators/host/contract.ts), what our host accepts;
 * - the model's Product (src/model/product.ts), what the gateway builds and sends.
 *
 * The schema file is read as a JSON Schema by zod's own interpreter (`z.fromJSONSchema`, from
 * zod, which the project already depends on) rather than a JSON-Schema library we would have to
 * add. That interpreter is marked semi-experimental and ignores keywords it does not know, so
 * the first test pins the schema to the keywords it does implement. The three then give the
 * same verdict on valid products and on several hundred systematic corruptions of them
 * (every property removed, every value of the wrong type, and boundary values). A last test
 * compares the shapes (property names and required lists) of the model and the schema file, so
 * a new optional property in the model fails here until the contract names it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Product } from '../../src/model/product.ts';
import { serializeProduct } from '../../src/host/publisher.ts';
import { HostProduct } from '../../simulators/host/contract.ts';
import { minimalProduct, productWith, sampleProduct } from './fixtures.ts';

const SCHEMA_PATH = join(import.meta.dirname, '../../contracts/host/product.schema.json');
const schemaDocument: unknown = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
const JsonSchemaObject = z.record(z.string(), z.unknown());
const fromSchemaFile = z.fromJSONSchema(JsonSchemaObject.parse(schemaDocument));

type Verdicts = { schemaFile: boolean; mirror: boolean; model: boolean };
const verdicts = (document: unknown): Verdicts => ({
  schemaFile: fromSchemaFile.safeParse(document).success,
  mirror: HostProduct.safeParse(document).success,
  model: Product.safeParse(document).success,
});

/** A deep copy of plain JSON. */
const copy = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const asJson = (product: Product): unknown => JSON.parse(serializeProduct(product, 'rest'));

type Path = readonly (string | number)[];

/** Every path to a value inside a JSON document, the root excluded. */
function paths(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...paths(v, [...prefix, i])]);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
  return [];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One step down a JSON document (zod's parse would copy, and a copy cannot be edited in place). */
function child(node: unknown, step: string | number): unknown {
  if (Array.isArray(node) && typeof step === 'number') return node[step];
  if (isRecord(node) && typeof step === 'string') return node[step];
  return undefined;
}

function valueAt(document: unknown, path: Path): unknown {
  return path.reduce<unknown>(child, document);
}

/** The document with the value at `path` replaced (or removed, for `undefined`). */
function mutate(document: unknown, path: Path, replacement: unknown): unknown {
  const result = copy(document);
  const parent = valueAt(result, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') {
    if (replacement === undefined) parent.splice(last, 1);
    else parent[last] = replacement;
  } else if (isRecord(parent) && typeof last === 'string') {
    if (replacement === undefined) Reflect.deleteProperty(parent, last);
    else parent[last] = replacement;
  }
  return result;
}

/** A value of another JSON type than `value`. */
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 42;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return { length: value.length };
  if (value === null) return 7;
  return ['not', 'an', 'object'];
}

const validDocuments: Record<string, unknown> = {
  'the acceptance scenario': asJson(sampleProduct),
  'a minimal product': asJson(minimalProduct),
  'a later version withheld by default': asJson(productWith({ version: 4, withheldByDefault: { itemCount: 3, rationale: 'Urgent.' } })),
  'a product with a property the contract does not name yet': { ...JsonSchemaObject.parse(asJson(sampleProduct)), futureField: { any: 'thing' } },
  'a version published before agency checks existed': (() => {
    const { checks: _checks, ...older } = JsonSchemaObject.parse(asJson(sampleProduct));
    return older;
  })(),
};

describe('contracts/host/product.schema.json', () => {
  it('uses only keywords that z.fromJSONSchema implements, so none is silently ignored', () => {
    const known = new Set(['$schema', '$id', '$ref', '$defs', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems']);
    const used = new Set<string>();
    const walk = (node: unknown, inProperties: boolean): void => {
      if (Array.isArray(node)) node.forEach((n) => { walk(n, false); });
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (!inProperties) used.add(key);
          walk(value, !inProperties && (key === 'properties' || key === '$defs'));
        }
      }
    };
    walk(schemaDocument, false);
    expect([...used].filter((k) => !known.has(k))).toEqual([]);
    // Formats are checked only if the interpreter knows them: these three it does (uuid, date-time, date).
    expect(JSON.stringify(schemaDocument).match(/"format":"[^"]*"/g)?.sort()).toEqual(['"format":"date"', '"format":"date-time"', '"format":"uuid"']);
  });

  it.each(Object.entries(validDocuments))('the schema file, the simulator mirror and the model all accept %s', (_label, document) => {
    expect(verdicts(document)).toEqual({ schemaFile: true, mirror: true, model: true });
  });

  it('all three give the same verdict on every property removed and every value of the wrong type', () => {
    const base = asJson(sampleProduct);
    let refused = 0;
    for (const path of paths(base)) {
      for (const mutation of [undefined, wrongType(valueAt(base, path))]) {
        const document = mutate(base, path, mutation);
        const result = verdicts(document);
        expect(result, `${mutation === undefined ? 'removing' : 'retyping'} ${path.join('.')}`).toEqual({ schemaFile: result.model, mirror: result.model, model: result.model });
        if (!result.model) refused += 1;
      }
    }
    // Most corruptions must be refused; inside `content` (free-form) they are accepted.
    expect(refused).toBeGreaterThan(100);
  });

  const boundaries: Record<string, readonly [Path, unknown, boolean]> = {
    'a date-time without seconds': [['publishedAt'], '2025-11-20T11:30Z', false],
    'a date-time without a zone': [['publishedAt'], '2025-11-20T11:30:00', false],
    'a date-time on 30 February': [['decision', 'decidedAt'], '2025-02-30T10:00:00Z', false],
    'a date-time at 24:00': [['items', 0, 'source', 'retrievedAt'], '2025-11-20T24:00:00Z', false],
    'a date on 29 February of a common year': [['subjects', 0, 'birthDate'], '2015-02-29', false],
    'a referral id that is not a UUID': [['referralId'], 'ref-123', false],
    'a version of 0': [['version'], 0, false],
    'a fractional version': [['version'], 1.5, false],
    'an uppercase content hash': [['contentHash'], 'A'.repeat(64), false],
    'an unknown agency': [['items', 0, 'agency'], 'fire-service', false],
    'an unknown RAG': [['decision', 'rag'], 'purple', false],
    'six given names': [['subjects', 0, 'name', 'given'], ['A', 'B', 'C', 'D', 'E', 'F'], false],
    'a rationale of 4001 characters': [['decision', 'rationale'], 'x'.repeat(4001), false],
    'an empty signpost contact': [['signposts', 0, 'contact'], '', false],
    'an unknown agency answer': [['checks', 0, 'answer'], 'mostly', false],
    'a negative lookup count': [['checks', 0, 'partial'], -1, false],
    'an empty check statement': [['checks', 0, 'statement'], '', false],
    'a null external reference': [['externalReference'], null, true],
    'a leap day birth date': [['subjects', 0, 'birthDate'], '2016-02-29', true],
    'a date-time with an offset and fraction': [['publishedAt'], '2025-11-20T11:30:00.123456+05:30', true],
  };

  it.each(Object.entries(boundaries))('all three agree on %s', (_label, [path, value, valid]) => {
    expect(verdicts(mutate(asJson(sampleProduct), path, value))).toEqual({ schemaFile: valid, mirror: valid, model: valid });
  });

  it('names the same properties, and requires the same ones, as the model', () => {
    const modelSchema = z.toJSONSchema(Product, { target: 'draft-2020-12', io: 'input' });
    expect(shape(schemaDocument, schemaDocument)).toEqual(shape(modelSchema, modelSchema));
  });
});

/** Property names and required lists of every object in a schema, with local $refs resolved. */
function shape(node: unknown, root: unknown): unknown {
  const schema = JsonSchemaObject.safeParse(node);
  if (!schema.success) return null;
  const ref = schema.data.$ref;
  if (typeof ref === 'string') return shape(valueAt(root, ref.replace(/^#\//, '').split('/')), root);
  const properties = JsonSchemaObject.safeParse(schema.data.properties);
  if (properties.success) {
    const required = z.array(z.string()).safeParse(schema.data.required);
    return {
      required: required.success ? [...required.data].sort() : [],
      properties: Object.fromEntries(Object.entries(properties.data).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v, root)])),
    };
  }
  if (schema.data.items !== undefined) return { items: shape(schema.data.items, root) };
  return null;
}
