import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/config.ts';

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
