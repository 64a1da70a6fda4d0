/**
 * Background work has one engine (docs/decisions.md, "One job engine, one retry policy"): the
 * layer rules that keep the engines behind the composition root and BullMQ/Redis inside the
 * distributed engine refuse what they are there to refuse (a fixture tree cruised with the
 * project's own configuration, as test/layers.test.ts does for identity). That no timer loop is
 * left outside the in-process runner is held by src/queue/in-process.test.ts.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;

const BASE: Readonly<Record<string, string>> = {
  'node_modules/bullmq/package.json': '{"name":"bullmq","main":"index.js"}\n',
  'node_modules/bullmq/index.js': 'exports.Queue = class {};\n',
  'src/lib/ids.ts': 'export const id = 1;\n',
  'src/model/jobs.ts': "import { id } from '../lib/ids.ts';\nexport interface DeliveryScheduler { deliver(ids: string[]): Promise<void> }\nexport const jobs = id;\n",
  'src/queue/bullmq.ts': "import { Queue } from 'bullmq';\nimport { jobs } from '../model/jobs.ts';\nexport const bullmq = [Queue, jobs];\n",
  'src/queue/in-process.ts': "import { jobs } from '../model/jobs.ts';\nexport const inProcess = jobs;\n",
  'src/queue/engine.ts': "import { bullmq } from './bullmq.ts';\nimport { inProcess } from './in-process.ts';\nexport const engine = [bullmq, inProcess];\n",
  'src/case/publication.ts': "import type { DeliveryScheduler } from '../model/jobs.ts';\nexport type Deps = { deliveries: DeliveryScheduler };\n",
  'src/main.ts': "import { engine } from './queue/engine.ts';\nimport type { Deps } from './firewall/workflow.ts';\nexport const main: [unknown, Deps | undefined] = [engine, undefined];\n",
};

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function violations(changes: Readonly<Record<string, string>> = {}): Promise<string[]> {
  dir = mkdtempSync(path.join(tmpdir(), 'mash-engine-layers-'));
  for (const [file, text] of Object.entries({ ...BASE, ...changes })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const { tsConfig: _project, ...options } = config.options ?? {};
  const result = await cruise(['src'], { ...options, baseDir: dir, ruleSet: config, validate: true, outputType: 'json' });
  const output = result.output;
  const summary = typeof output === 'string' ? (JSON.parse(output) as ICruiseResult).summary : output.summary;
  return [...new Set(summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`))].sort();
}

describe('the layer rules of the job engine', () => {
  it('accept the layout as it is meant to be', async () => {
    expect(await violations()).toEqual([]);
  });

  it('refuse starting an engine anywhere but the composition root', async () => {
    expect(await violations({ 'src/case/publication.ts': "import { inProcess } from '../queue/in-process.ts';\nexport const workflow = inProcess;\n" })).toEqual([
      'case-layers: src/case/publication.ts → src/queue/in-process.ts',
      'job-engine-from-main: src/case/publication.ts → src/queue/in-process.ts',
    ]);
  });

  it('refuse BullMQ outside the distributed engine, inside src/queue too', async () => {
    expect(await violations({ 'src/queue/in-process.ts': "import { Queue } from 'bullmq';\nexport const inProcess = Queue;\n" })).toEqual([
      'redis-only-in-the-engine: src/queue/in-process.ts → node_modules/bullmq/index.js',
    ]);
  });
});
