/**
 * vitest globalSetup for both projects: one real PostgreSQL per run (started on first use by
 * either project, stopped when the last one is done), handed to the tests with
 * `inject('postgresUrl')`. A test takes a database of its own with freshDatabase.
 */
import type { TestProject } from 'vitest/node';
import { type RunningPostgres, startPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgresUrl is the test server's superuser URL (trust on loopback). */
    postgresUrl: string;
  }
}

// Both projects' setups run in the one vitest process: they share the server and the last stops it.
let server: Promise<RunningPostgres> | undefined;
let users = 0;

export default async function setup(project: TestProject) {
  server ??= startPostgres();
  users++;
  project.provide('postgresUrl', (await server).url);
  return async () => {
    users--;
    if (users === 0 && server) {
      const running = server;
      server = undefined;
      await (await running).stop();
    }
  };
}
