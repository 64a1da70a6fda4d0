/**
 * The layer rules bite: `npm run layers` proves today's tree keeps them, this proves the rules of
 * identity and batch linkage (docs/decisions.md "One home for identity") refuse what they are
 * there to refuse. Each case cruises a small fixture tree laid out like the project with the
 * project's own dependency-cruiser configuration and names the rules it breaks.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as IConfiguration;

/** Files every fixture has: identity's entry and an internal module, linkage, the CLI, main. */
const BASE: Readonly<Record<string, string>> = {
  'src/lib/ids.ts': 'export const id = 1;\n',
  'src/model/fact.ts': "import { id } from '../lib/ids.ts';\nexport const fact = id;\n",
  'src/store/db.ts': 'export interface Sql { query(text: string): Promise<unknown[]> }\nexport const store = 1;\n',
  'src/store/items.ts': 'export const items = 1;\n',
  'src/identity/engine/matcher.ts': "import { fact } from '../../model/fact.ts';\nexport const matcher = fact;\n",
  'src/identity/port.ts': "import type { Sql } from '../store/db.ts';\nexport type Port = (sql: Sql) => void;\n",
  'src/identity/index.ts': "export { matcher } from './engine/matcher.ts';\nexport type { Port } from './port.ts';\n",
  'src/linkage/link.ts': "import { matcher } from '../identity/index.ts';\nexport const link = matcher;\n",
  'src/cli/link.ts': "import { link } from '../linkage/link.ts';\nexport const cli = link;\n",
  'bench/linkage.ts': "import { link } from '../src/linkage/link.ts';\nexport const bench = link;\n",
  'src/research/complete.ts': "import { matcher } from '../identity/index.ts';\nexport const complete = matcher;\n",
  'src/main.ts': "import { complete } from './research/complete.ts';\nexport const main = complete;\n",
};

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The rules a fixture tree breaks: the base files with `changes` applied. */
async function violations(changes: Readonly<Record<string, string>> = {}): Promise<string[]> {
  dir = mkdtempSync(path.join(tmpdir(), 'mash-layers-'));
  for (const [file, text] of Object.entries({ ...BASE, ...changes })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const { tsConfig: _project, ...options } = config.options ?? {};
  const result = await cruise(['src', 'bench'], { ...options, baseDir: dir, ruleSet: config, validate: true, outputType: 'json' });
  const output = result.output;
  const summary = typeof output === 'string' ? (JSON.parse(output) as ICruiseResult).summary : output.summary;
  return [...new Set(summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`))].sort();
}

describe('the layer rules of identity and batch linkage', () => {
  it('accept the layout as it is meant to be', async () => {
    expect(await violations()).toEqual([]);
  });

  it('refuse an import of identity other than through its entry', async () => {
    expect(await violations({ 'src/research/complete.ts': "import { matcher } from '../identity/engine/matcher.ts';\nexport const complete = matcher;\n" })).toEqual([
      'identity-one-entry: src/research/complete.ts → src/identity/engine/matcher.ts',
    ]);
  });

  it('refuse identity running store code, and importing more than model, lib and the store port', async () => {
    const found = await violations({
      'src/identity/port.ts': "import { store } from '../store/db.ts';\nimport { items } from '../store/items.ts';\nexport const port = store + items;\n",
    });
    expect(found).toEqual([
      'identity-layers: src/identity/port.ts → src/store/items.ts',
      'identity-store-port-types-only: src/identity/port.ts → src/store/db.ts',
      'identity-store-port-types-only: src/identity/port.ts → src/store/items.ts',
    ]);
  });

  it('refuse batch linkage anywhere but the CLI and the benchmarks, and keep it out of what main reaches', async () => {
    const found = await violations({ 'src/research/complete.ts': "import { link } from '../linkage/link.ts';\nexport const complete = link;\n" });
    expect(found).toEqual([
      'linkage-only-from-cli-and-bench: src/research/complete.ts → src/linkage/link.ts',
      'research-layers: src/research/complete.ts → src/linkage/link.ts',
      'runtime-never-reaches-linkage: src/main.ts → src/linkage/link.ts',
    ]);
  });
});

describe('the layer rules of metrics', () => {
  it('refuse the business code reaching the Prometheus registry past the port', async () => {
    const found = await violations({
      'src/metrics/prometheus.ts': "import { store } from '../store/db.ts';\nexport const registry = store;\n",
      'src/research/complete.ts': "import { registry } from '../metrics/prometheus.ts';\nexport const complete = registry;\n",
    });
    expect(found).toEqual([
      'metrics-from-main: src/research/complete.ts → src/metrics/prometheus.ts',
      'research-layers: src/research/complete.ts → src/metrics/prometheus.ts',
    ]);
  });

  it('let the composition root start it', async () => {
    expect(
      await violations({
        'src/metrics/prometheus.ts': "import { store } from '../store/db.ts';\nexport const registry = store;\n",
        'src/main.ts': "import { complete } from './research/complete.ts';\nimport { registry } from './metrics/prometheus.ts';\nexport const main = complete + registry;\n",
      }),
    ).toEqual([]);
  });
});
