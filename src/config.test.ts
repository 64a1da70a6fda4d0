/** Configuration is parsed once; a bad value names its variable, and declared connectors are validated. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readConnectorFile } from './config.ts';
import { ConfigError } from './lib/errors.ts';
import { makeTempDir } from '../test/support/tmp.ts';

const failure = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('defaults to embedded mode on loopback', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ role: 'all', host: '127.0.0.1', port: 8080, databaseUrl: undefined, redisUrl: undefined, simulators: 'auto' });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ MASH_ROLE: 'boss' }, 'MASH_ROLE'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ MASH_ROLE: 'worker' }, 'MASH_ROLE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MASH_CONNECTORS: '/nonexistent/connectors.yaml' }, 'MASH_CONNECTORS'],
    [{ MASH_JWKS_URL: 'https://idp.example/jwks', MASH_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }, 'MASH_JWKS_URL'],
    [{ MASH_JWT_MAX_LIFETIME: 'forever' }, 'MASH_JWT_MAX_LIFETIME'],
    [{ MASH_JWT_MAX_LIFETIME: '2d' }, 'MASH_JWT_MAX_LIFETIME'],
    [{ MASH_JWT_MAX_LIFETIME: '10s' }, 'MASH_JWT_MAX_LIFETIME'],
    [{ MASH_JWT_CLOCK_SKEW: '10m' }, 'MASH_JWT_CLOCK_SKEW'],
    [{ MASH_METRICS_PORT: 'ninety' }, 'MASH_METRICS_PORT'],
    [{ MASH_METRICS_PORT: '70000' }, 'MASH_METRICS_PORT'],
    [{ MASH_METRICS_ON_GATEWAY: 'yes' }, 'MASH_METRICS_ON_GATEWAY'],
    [{ MASH_JWT_CLOCK_SKEW: '-5s' }, 'MASH_JWT_CLOCK_SKEW'],
    [{ MASH_WORKING_DAYS: 'weekdays' }, 'MASH_WORKING_DAYS'],
    [{ MASH_WORKING_HOURS: '17:00-09:00' }, 'MASH_WORKING_HOURS'],
    [{ MASH_TIME_ZONE: 'Europe/Atlantis' }, 'MASH_TIME_ZONE'],
    [{ MASH_BANK_HOLIDAYS: '/nonexistent/bank-holidays.json' }, 'MASH_BANK_HOLIDAYS'],
    [{ MASH_BANK_HOLIDAYS_DIVISION: 'scotland' }, 'MASH_BANK_HOLIDAYS'],
    [{ MASH_SLA_AT_RISK: '1.5' }, 'MASH_SLA_AT_RISK'],
  ])('names the variable of a bad value: %o', (env, variable) => {
    const error = failure(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('serves metrics on the gateway behind auth, and no unauthenticated listener, unless configured', () => {
    expect(loadConfig({}).metrics).toEqual({ onGateway: true, port: undefined, host: '127.0.0.1' });
    expect(loadConfig({ MASH_METRICS_ON_GATEWAY: 'off', MASH_METRICS_PORT: '9464', MASH_METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ onGateway: false, port: 9464, host: '0.0.0.0' });
  });

  it('bounds bearer tokens: 8 h at most, 60 s of clock skew, unless configured', () => {
    expect(loadConfig({}).jwt).toMatchObject({ maxLifetimeSeconds: 8 * 3600, clockSkewSeconds: 60 });
    expect(loadConfig({ MASH_JWT_MAX_LIFETIME: '1h', MASH_JWT_CLOCK_SKEW: '0' }).jwt).toMatchObject({ maxLifetimeSeconds: 3600, clockSkewSeconds: 0 });
  });

  it('counts the SLA on Monday-to-Friday office hours in London with the shipped bank holidays, unless configured', () => {
    const config = loadConfig({});
    expect(config.calendar).toMatchObject({ timeZone: 'Europe/London', days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 1020 });
    expect(config.calendar.holidays).toContain('2026-12-25');
    expect(config.slaAtRiskFraction).toBe(0.75);
    const tmp = makeTempDir('holidays-');
    const file = path.join(tmp.dir, 'bank-holidays.json');
    writeFileSync(file, JSON.stringify({ scotland: { division: 'scotland', events: [{ title: "St Andrew's Day", date: '2026-11-30', notes: '', bunting: true }] } }));
    const scottish = loadConfig({ MASH_BANK_HOLIDAYS: file, MASH_BANK_HOLIDAYS_DIVISION: 'scotland', MASH_WORKING_DAYS: 'mon-sat', MASH_WORKING_HOURS: '08:00-20:00' });
    expect(scottish.calendar).toMatchObject({ days: [1, 2, 3, 4, 5, 6], startMinute: 480, endMinute: 1200, holidays: ['2026-11-30'] });
    tmp.remove();
  });

  it('flags a repeat concern at three notifications from two agencies in twelve months, unless configured', () => {
    expect(loadConfig({}).repeatConcern).toEqual({ minNotifications: 3, minAgencies: 2, windowMonths: 12 });
    expect(loadConfig({ MASH_REPEAT_CONCERN_NOTIFICATIONS: '4', MASH_REPEAT_CONCERN_AGENCIES: '3', MASH_REPEAT_CONCERN_MONTHS: '6' }).repeatConcern).toEqual({ minNotifications: 4, minAgencies: 3, windowMonths: 6 });
    expect(() => loadConfig({ MASH_REPEAT_CONCERN_MONTHS: '0' })).toThrow(/MASH_REPEAT_CONCERN_MONTHS/);
    expect(() => loadConfig({ MASH_REPEAT_CONCERN_NOTIFICATIONS: 'three' })).toThrow(/MASH_REPEAT_CONCERN_NOTIFICATIONS/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });
});

describe('connector files', () => {
  it('reads the compose example (YAML)', () => {
    const connectors = readConnectorFile(path.resolve(import.meta.dirname, '../examples/connectors.compose.yaml'));
    expect(connectors.map((c) => c.agency)).toContain('health');
  });

  it('refuses an invalid declaration, naming the file and the field', () => {
    const tmp = makeTempDir();
    try {
      const file = path.join(tmp.dir, 'connectors.json');
      writeFileSync(file, JSON.stringify({ connectors: [{ id: 'Bad Id', agency: 'health', type: 'fhir-r4', sourceSystem: 'x', baseUrl: 'http://127.0.0.1:1' }] }));
      expect(() => readConnectorFile(file)).toThrow(/connectors\.0\.id/);
      writeFileSync(file, JSON.stringify({ connectors: [
        { id: 'a', agency: 'health', type: 'fhir-r4', sourceSystem: 'x', baseUrl: 'http://127.0.0.1:1' },
        { id: 'a', agency: 'police', type: 'police-soap', sourceSystem: 'y', baseUrl: 'http://127.0.0.1:2' },
      ] }));
      expect(() => readConnectorFile(file)).toThrow(/declared twice/);
      writeFileSync(file, '{ not json');
      expect(() => readConnectorFile(file)).toThrow(/not valid JSON/);
    } finally {
      tmp.remove();
    }
  });
});
