import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { groupWriter } from './database.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('group commit', () => {
  it('commits the writes of one turn together, rolls back a failing one alone, and settles each after the commit', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-group-'));
    const path = join(dir, 'g.db');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT NOT NULL UNIQUE)');
    const reader = new DatabaseSync(path);
    const count = () => (reader.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    const write = groupWriter(db);
    expect(groupWriter(db)).toBe(write);
    const insert = (v: string) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;
    const settled = [write(insert('a')), write(insert('a')), write(insert('b'))].map((p) =>
      p.then(
        (changes) => {
          // Settled after the COMMIT: another connection sees the group's rows already.
          expect(count()).toBe(2);
          return changes;
        },
        (err: Error) => err.message,
      ),
    );
    // Nothing is written before the turn ends.
    expect(count()).toBe(0);
    expect(await Promise.all(settled)).toEqual([1, expect.stringMatching(/UNIQUE/), 1]);
    expect(reader.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(db.isTransaction).toBe(false);
    db.close();
    reader.close();
  });
});
