/**
 * The minimal JSON Schema validator the housing contract tests rely on: each supported keyword
 * both passes what it should and fails what it should, and unsupported keywords are refused —
 * so a green contract test means the schemas were really applied.
 */
import { describe, expect, it } from 'vitest';
import { assertSupported, UnsupportedSchemaError, validateJsonSchema } from './json-schema.ts';

const ok = (schema: unknown, value: unknown, root?: unknown): void => {
  expect(validateJsonSchema(schema, value, root)).toEqual([]);
};
const bad = (schema: unknown, value: unknown, message: RegExp, root?: unknown): void => {
  const errors = validateJsonSchema(schema, value, root);
  expect(errors.length, `expected an error for ${JSON.stringify(value)}`).toBeGreaterThan(0);
  expect(errors.join('\n')).toMatch(message);
};

describe('validateJsonSchema', () => {
  it('type, including lists of types, integer and null', () => {
    ok({ type: 'integer' }, 3);
    bad({ type: 'integer' }, 3.5, /expected integer/);
    ok({ type: ['string', 'null'] }, null);
    bad({ type: ['string', 'null'] }, 1, /expected string or null/);
    bad({ type: 'object' }, [], /expected object/);
    bad({ type: 'array' }, {}, /expected array/);
    bad({ type: 'boolean' }, 'true', /expected boolean/);
  });

  it('enum and const', () => {
    ok({ enum: ['a', null] }, null);
    bad({ enum: ['a', 'b'] }, 'c', /not one of/);
    bad({ const: 1 }, 2, /constant/);
  });

  it('object keywords: required, properties, additionalProperties', () => {
    const schema = { type: 'object', required: ['a'], properties: { a: { type: 'string' } }, additionalProperties: false };
    ok(schema, { a: 'x' });
    bad(schema, {}, /\$: missing required property a/);
    bad(schema, { a: 1 }, /\$\.a: expected string/);
    bad(schema, { a: 'x', b: 1 }, /unexpected property b/);
    bad({ type: 'object', additionalProperties: { type: 'number' } }, { z: 'no' }, /\$\.z: expected number/);
  });

  it('array keywords: items, minItems, maxItems', () => {
    const schema = { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 };
    ok(schema, [1, 2]);
    bad(schema, [], /fewer than 1/);
    bad(schema, [1, 2, 3], /more than 2/);
    bad(schema, [1, 'x'], /\$\[1\]: expected integer/);
  });

  it('string keywords: minLength, maxLength (code points), pattern', () => {
    ok({ type: 'string', maxLength: 1 }, '£');
    bad({ type: 'string', minLength: 2 }, 'a', /shorter than 2/);
    bad({ type: 'string', maxLength: 2 }, 'abc', /longer than 2/);
    bad({ type: 'string', pattern: '^[0-9]+$' }, '12a', /does not match/);
  });

  it('number keywords: minimum, maximum', () => {
    bad({ type: 'number', minimum: 0 }, -1, /below 0/);
    bad({ type: 'number', maximum: 10 }, 11, /above 10/);
  });

  it('formats: date, date-time, uri', () => {
    ok({ type: 'string', format: 'date' }, '2024-02-29');
    bad({ type: 'string', format: 'date' }, '2023-02-29', /not a valid date/);
    ok({ type: 'string', format: 'date-time' }, '2026-11-21T10:00:00Z');
    ok({ type: 'string', format: 'date-time' }, '2026-11-21T10:00:00.123+01:00');
    bad({ type: 'string', format: 'date-time' }, '2026-11-21 10:00', /not a valid date-time/);
    bad({ type: 'string', format: 'date-time' }, '2026-11-21T10:00:00', /not a valid date-time/);
    ok({ type: 'string', format: 'uri' }, 'http://127.0.0.1:1/persons?page=2');
    bad({ type: 'string', format: 'uri' }, '/persons', /not a valid uri/);
  });

  it('oneOf, anyOf, allOf', () => {
    const oneOf = { oneOf: [{ type: 'string' }, { type: 'null' }] };
    ok(oneOf, null);
    bad(oneOf, 1, /exactly one/);
    bad({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1, /exactly one/);
    bad({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 1, /none of anyOf/);
    bad({ allOf: [{ type: 'number' }, { minimum: 5 }] }, 3, /all of allOf/);
  });

  it('local $refs resolve against the root document', () => {
    const root = { components: { schemas: { Id: { type: 'string', pattern: '^H' } } } };
    ok({ $ref: '#/components/schemas/Id' }, 'H1', root);
    bad({ $ref: '#/components/schemas/Id' }, 'X1', /does not match/, root);
    expect(() => validateJsonSchema({ $ref: '#/components/schemas/Nope' }, 1, root)).toThrow(/unresolvable/);
    expect(() => validateJsonSchema({ $ref: 'other.json#/x' }, 1, root)).toThrow(UnsupportedSchemaError);
  });

  it('refuses keywords and formats outside the subset instead of ignoring them', () => {
    expect(() => validateJsonSchema({ type: 'object', patternProperties: {} }, {})).toThrow(UnsupportedSchemaError);
    expect(() => validateJsonSchema({ type: 'string', format: 'email' }, 'a@b')).toThrow(UnsupportedSchemaError);
    expect(() => assertSupported({ type: 'object', properties: { a: { type: 'array', items: { if: {} } } } })).toThrow(/"if" at #\/properties\/a\/items/);
    expect(() => assertSupported({ type: 'object', properties: { a: { oneOf: [{ type: 'string', format: 'date' }, { type: 'null' }] } } })).not.toThrow();
  });
});
