/**
 * Versioned schema migrations, the same rule for both backends: migration n (1-based) takes the
 * schema from version n-1 to n; at start every migration past the stored version runs, in one
 * transaction (SQLite) or under an advisory lock (PostgreSQL), so replicas starting together run
 * each once. A store whose version is newer than this code knows refuses to open: an older replica
 * must not write rows it does not understand.
 */

/** SchemaTooNewError says the store was migrated by a newer trueup than this one. */
export class SchemaTooNewError extends Error {
  readonly code = 'TRUEUP_STORE_SCHEMA_TOO_NEW';
  constructor(found: number, known: number, where: string) {
    super(
      `the ${where} store's schema is at version ${found}, newer than this trueup knows (${known}): ` +
        'run the newer trueup (or roll the store back); this replica does not start',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** pendingMigrations returns the migrations to run from version `found`, or throws SchemaTooNewError. */
export function pendingMigrations(migrations: readonly string[], found: number, where: string): string[] {
  if (found > migrations.length) throw new SchemaTooNewError(found, migrations.length, where);
  return migrations.slice(found);
}
