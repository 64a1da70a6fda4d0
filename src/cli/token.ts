/**
 * `npm run --silent token -- --role <role> [--agency <agency>] [--sub <subject>] [--expires 8h]`
 * prints a bearer token signed with the embedded key in MASH_DATA_DIR (created if missing), for
 * trying the gateway in embedded mode. With an identity provider configured, use its tokens.
 * `--expires` defaults to 8 h (or MASH_JWT_MAX_LIFETIME when shorter) and may not exceed it.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { DEFAULT_TOKEN_LIFETIME, loadOrCreateSigningKey, signToken } from '../gateway/embedded-key.ts';
import { parseDurationSeconds } from '../lib/duration.ts';
import { ConfigError } from '../lib/errors.ts';
import { Agency } from '../model/agency.ts';
import { Role, ROLES } from '../model/principal.ts';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
}

async function run(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { role: { type: 'string' }, agency: { type: 'string' }, sub: { type: 'string' }, expires: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : 'bad arguments');
  }
  const role = Role.safeParse(values.role);
  if (!role.success) fail(`--role must be one of: ${ROLES.join(', ')}`);
  const agency = values.agency === undefined ? undefined : Agency.safeParse(values.agency);
  if (agency !== undefined && !agency.success) fail(`--agency must be one of: ${Agency.options.join(', ')}`);
  if ((role.data === 'hub-practitioner' || role.data === 'connector-admin') && agency === undefined) fail(`--role ${role.data} needs --agency`);
  const asked = values.expires;
  const lifetime = asked === undefined ? undefined : /^\d+[smhd]$/.test(asked) ? parseDurationSeconds(asked) : Number.NaN;
  if (lifetime !== undefined && !(lifetime > 0)) fail('--expires takes a number and a unit: 30m, 8h, 1d');

  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
  // The gateway would refuse a longer-lived token (MASH_JWT_MAX_LIFETIME): do not print one. Asked
  // for nothing, you get a working shift, or the maximum when that is shorter.
  if (lifetime !== undefined && lifetime > config.jwt.maxLifetimeSeconds) fail(`--expires ${asked ?? ''} is longer than the maximum token lifetime of ${config.jwt.maxLifetimeSeconds} s (MASH_JWT_MAX_LIFETIME)`);
  const expiresIn = asked ?? `${Math.min(parseDurationSeconds(DEFAULT_TOKEN_LIFETIME) ?? 0, config.jwt.maxLifetimeSeconds)}s`;
  // With an identity provider configured the gateway verifies its tokens only: one signed with the
  // data directory's key would be refused, so say so rather than print a token that cannot work.
  if (config.jwt.jwksUrl !== undefined || config.jwt.publicKeyPem !== undefined) {
    fail(`an identity provider is configured (${config.jwt.jwksUrl !== undefined ? 'MASH_JWKS_URL' : 'MASH_JWT_PUBLIC_KEY'}): get tokens from it; this command signs only for the embedded key`);
  }
  const key = loadOrCreateSigningKey(config.dataDir);
  const token = await signToken(
    key,
    { sub: values.sub ?? `local-${role.data}${agency?.data === undefined ? '' : `-${agency.data}`}`, role: role.data, agency: agency?.data },
    { issuer: config.jwt.issuer, audience: config.jwt.audience, expiresIn },
  );
  process.stdout.write(`${token}\n`);
}

await run();
