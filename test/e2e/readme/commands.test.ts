/**
 * The README parser that ties README.md to the walkthrough suite: it must see every command the
 * README shows, refuse the ones the suite cannot perform, and hold answers to what the README
 * documents — otherwise a README edit could slip past the suite.
 */
import { describe, expect, it } from 'vitest';
import { classify, differsFromDocumented, loadReadmeCommands, readmeCommands, REQUIRED_STEPS } from './commands.ts';

const markdown = [
  '# Title',
  '## Quick start',
  'Some prose with `npm run --silent audit:report` in it.',
  '```sh',
  'TOKEN=$(npm run --silent token -- --role referral-intake)',
  'curl -s -X POST http://127.0.0.1:8080/v1/referrals \\',
  '  -H "Authorization: Bearer $TOKEN" -H \'Content-Type: application/json\' \\',
  '  --data @examples/referral.json',
  '# → 202 {"id":"…","status":"received","location":"…/v1/referrals/…"}',
  '',
  'curl -s http://127.0.0.1:8080/v1/referrals/<id> -H "Authorization: Bearer $TOKEN"   # status',
  '```',
  '## Distributed deployment',
  '```sh',
  'export DATABASE_URL=postgres://mash@127.0.0.1:5432/mash REDIS_URL=redis://127.0.0.1:6379',
  'npm run worker                       # any number',
  '```',
].join('\n');

describe('README commands', () => {
  it('joins continued lines, drops comments, and keeps the documented answer and the section', () => {
    const commands = readmeCommands(markdown);
    expect(commands.map((c) => [c.line, c.section, c.normalized])).toEqual([
      [5, 'Quick start', 'TOKEN=$(npm run --silent token -- --role referral-intake)'],
      [6, 'Quick start', 'curl -s -X POST http://127.0.0.1:8080/v1/referrals -H "Authorization: Bearer $TOKEN" -H \'Content-Type: application/json\' --data @examples/referral.json'],
      [11, 'Quick start', 'curl -s http://127.0.0.1:8080/v1/referrals/<id> -H "Authorization: Bearer $TOKEN"'],
      [15, 'Distributed deployment', 'export DATABASE_URL=postgres://mash@127.0.0.1:5432/mash REDIS_URL=redis://127.0.0.1:6379'],
      [16, 'Distributed deployment', 'npm run worker'],
    ]);
    expect(commands[1]?.documented).toEqual({ status: 202, body: { id: '…', status: 'received', location: '…/v1/referrals/…' } });
    expect(commands[1]?.text).toContain('\\\n  --data'); // bash gets the command as written
  });

  it('names each step', () => {
    expect(readmeCommands(markdown).map(classify)).toEqual([
      { kind: 'token', variable: 'TOKEN', role: 'referral-intake', agency: undefined },
      { kind: 'submit', method: 'POST', target: 'http://127.0.0.1:8080/v1/referrals', tokenVariable: 'TOKEN' },
      { kind: 'status', method: 'GET', target: 'http://127.0.0.1:8080/v1/referrals/<id>', tokenVariable: 'TOKEN' },
      { kind: 'export', names: ['DATABASE_URL', 'REDIS_URL'] },
      { kind: 'start-worker' },
    ]);
  });

  it('refuses a command the suite does not perform, naming its line', () => {
    for (const unknown of ['curl -s http://127.0.0.1:8080/v1/connectors -H "Authorization: Bearer $T"', 'curl -s http://localhost:8080/v1/referrals/<id>', 'npm run --silent audit:verify -- --copy <dir> --key-id <id>', 'docker compose up']) {
      const [command] = readmeCommands(['## Quick start', '```sh', unknown, '```'].join('\n'));
      if (command === undefined) throw new Error('no command parsed');
      expect(() => classify(command), unknown).toThrow(/^README\.md line 3: the walkthrough suite does not know this command/);
    }
  });

  it('holds an answer to the documented one: status, keys, and values where the README gives them', () => {
    const [, documented] = readmeCommands(markdown);
    if (documented?.documented === undefined) throw new Error('no documented answer');
    const answer = { id: 'a1', status: 'received', location: 'http://127.0.0.1:4000/v1/referrals/a1' };
    expect(differsFromDocumented(documented.documented, 202, answer)).toBeUndefined();
    expect(differsFromDocumented(documented.documented, 200, answer)).toBe('status 200, the README shows 202');
    expect(differsFromDocumented(documented.documented, 202, { ...answer, status: 'researching' })).toMatch(/^\$\.status is "researching"/);
    expect(differsFromDocumented(documented.documented, 202, { ...answer, location: '/v1/other/a1' })).toMatch(/^\$\.location is/);
    expect(differsFromDocumented(documented.documented, 202, { ...answer, extra: 1 })).toMatch(/^\$ has keys extra, id, location, status/);
    const [bare] = readmeCommands(['## Quick start', '```sh', 'npm run worker', '# → 200 {"ok":true,"entries":…}   a note', '```'].join('\n'));
    expect(bare?.documented).toEqual({ status: 200, body: { ok: true, entries: '…' } });
  });

  it('finds every required step in the real README, and knows every command in it', () => {
    const kinds = new Set(loadReadmeCommands().map(classify).map((step) => step.kind));
    expect(REQUIRED_STEPS.filter((kind) => !kinds.has(kind))).toEqual([]);
  });
});
