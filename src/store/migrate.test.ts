/**
 * Splitting a migration script into statements: a dollar-quoted function body (migration 010's
 * triggers) is one statement with its own semicolons (PostgreSQL "Dollar-Quoted String Constants").
 */
import { describe, expect, it } from 'vitest';
import { splitStatements } from './migrate.ts';

describe('splitStatements', () => {
  it('splits on statement-ending semicolons and drops comment lines', () => {
    expect(splitStatements('-- a comment; with a semicolon\nCREATE TABLE a (x int);\nALTER TABLE a ADD COLUMN y int;\n')).toEqual(['CREATE TABLE a (x int)', 'ALTER TABLE a ADD COLUMN y int']);
  });

  it('keeps a dollar-quoted body whole, whatever semicolons it holds', () => {
    const script = [
      'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  UPDATE a SET x = 1;',
      '  RETURN NEW;',
      'END',
      '$$;',
      'CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();',
    ].join('\n');
    expect(splitStatements(script)).toEqual([
      'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE a SET x = 1;\n  RETURN NEW;\nEND\n$$',
      'CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()',
    ]);
  });
});
