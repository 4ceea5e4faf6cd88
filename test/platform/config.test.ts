import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/config.ts';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults with nothing configured', () => {
    const config = parseConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      home: '/srv/app/.tmates',
      runWorker: true,
      storage: { backend: 'local' },
      logLevel: 'info',
      graphiql: true,
    });
  });

  it('names a bad PORT with the value it got, in one line', () => {
    const error = errorOf({ PORT: 'abc' });
    expect(error.message).toBe('Invalid configuration: PORT expected an integer from 0 to 65535 (got "abc")');
    expect(error.message).not.toContain('\n');
  });

  it('reports every bad variable together', () => {
    const error = errorOf({ PORT: '70000', DATABASE_URL: 'mysql://x/y', RUN_WORKER: 'perhaps', LOG_LEVEL: 'loud' });
    expect(error.issues).toHaveLength(4);
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('DATABASE_URL must start with postgres:// or postgresql://');
    expect(error.message).toContain('RUN_WORKER expected true or false (got "perhaps")');
    expect(error.message).toContain('LOG_LEVEL');
  });

  it('rejects a DATABASE_URL that is not a URL or lacks a database name', () => {
    expect(errorOf({ DATABASE_URL: 'not a url' }).message).toContain('DATABASE_URL is not a valid URL');
    expect(errorOf({ DATABASE_URL: 'postgres://u@db:5432' }).message).toContain('needs a database name');
  });

  it('never echoes secrets or passwords in URLs', () => {
    const error = errorOf({ DATABASE_URL: 'mysql://admin:hunter2@db/x', TMATES_SECRET: 'short-secret' });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('short-secret');
    expect(error.message).toContain('TMATES_SECRET must be at least 32 characters');
  });

  it('checks settings that depend on each other', () => {
    expect(errorOf({ FILE_STORAGE_BACKEND: 's3' }).message).toContain(
      'S3_BUCKET is required when FILE_STORAGE_BACKEND=s3',
    );
    expect(errorOf({ FILE_STORAGE_BACKEND: 'ftp' }).message).toContain('FILE_STORAGE_BACKEND');
  });

  it('parses file settings, with documented defaults', () => {
    const defaults = parseConfig({}, '/srv/app').storage;
    expect(defaults).toMatchObject({ maxBytes: 25 * 1024 * 1024, downloadUrlTtlSeconds: 900, uploadUrlTtlSeconds: 3600, supabaseBucket: 'files' });
    expect(defaults.allowedTypes).toEqual(expect.arrayContaining(['application/pdf', 'text/csv', 'image/png']));
    expect(defaults.allowedTypes).not.toContain('application/x-msdownload');
    const custom = parseConfig({ FILE_MAX_BYTES: '1048576', FILE_ALLOWED_TYPES: 'Image/*, application/pdf ,' }, '/srv/app').storage;
    expect(custom).toMatchObject({ maxBytes: 1048576, allowedTypes: ['image/*', 'application/pdf'] });
    expect(errorOf({ FILE_ALLOWED_TYPES: 'pdf,image/*' }).message).toContain('FILE_ALLOWED_TYPES expected media types like text/csv,image/* (got "pdf")');
    expect(errorOf({ FILE_MAX_BYTES: '0' }).message).toContain('FILE_MAX_BYTES expected an integer');
    expect(errorOf({ AWS_ACCESS_KEY_ID: 'AKIA' }).message).toContain('AWS_SECRET_ACCESS_KEY is required when AWS_ACCESS_KEY_ID is set');
  });

  it('parses lists, flags and empty values', () => {
    const config = parseConfig(
      { CORS_ORIGINS: 'https://a.example, https://b.example,', RUN_WORKER: 'off', OPENAI_API_KEY: '', TMATES_HOME: '/var/lib/tmates' },
      '/srv/app',
    );
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.runWorker).toBe(false);
    expect(config.openai.apiKey).toBeUndefined();
    expect(config.home).toBe('/var/lib/tmates');
  });
});

describe('.env.example', () => {
  it('documents every variable the configuration reads', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(new URL('../../src/config/config.ts', import.meta.url), 'utf8');
    const variables = [...source.matchAll(/^ {4}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(30);
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(variables.filter((v) => !new RegExp(`^# ${v}=`, 'm').test(example))).toEqual([]);
  });
});
