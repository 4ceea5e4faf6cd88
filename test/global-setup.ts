import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase, createPool } from '../src/db/database.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { createLogger } from '../src/logger.ts';

/**
 * One PostgreSQL server for the whole run — the embedded one, or TEST_DATABASE_URL (a role that may
 * create databases) — holding a migrated template database. Each test file clones its own database
 * from the template (see helpers/database.ts), so files run in parallel without sharing rows.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', { component: 'test-setup' });

export default async function setup(project: TestProject) {
  let cluster: EmbeddedPostgres | undefined;
  let home: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    home = mkdtempSync(path.join(os.tmpdir(), 'tmates-test-'));
    chmodSync(home, 0o755); // the postgres OS user must reach it when tests run as root
    cluster = await startEmbeddedPostgres({ home, ephemeral: true, logger, database: 'postgres' });
    adminUrl = cluster.adminUrl;
  }
  try {
    return await prepare(project, adminUrl, async () => {
      await cluster?.stop();
      if (home) rmSync(home, { recursive: true, force: true });
    });
  } catch (error) {
    await cluster?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

async function prepare(project: TestProject, adminUrl: string, release: () => Promise<void>) {
  const templateDatabase = `tmates_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${templateDatabase}`);
  await admin.query(`create database ${templateDatabase}`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${templateDatabase}`;
  const pool = createPool(url.toString(), 2, logger);
  await migrateToLatest(createDatabase(pool) as never, pool, logger);
  await pool.end();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`drop database if exists ${templateDatabase} with (force)`);
    await client.end();
    await release();
  };
}
