import { describe, expect, it } from 'vitest';
import {
  changeLines,
  documentChangeLines,
  fromLocalInput,
  percent,
  relativeTime,
  repoLink,
  shortSha,
  toLocalInput,
} from './format.ts';

describe('changeLines', () => {
  it.each([
    [
      'a changed one-line value as desired then live',
      { path: 'data.LEVEL', type: 'changed' as const, desired: 'info', live: 'debug' },
      ['-info', '+debug'],
    ],
    ['a key added out of band as live only', { path: 'data.X', type: 'added' as const, live: '1' }, ['+1']],
    [
      'a key removed out of band as desired only',
      { path: 'data.Y', type: 'removed' as const, desired: 'a\nb\n' },
      ['-a', '-b'],
    ],
    [
      'a Secret digest exactly as given',
      {
        path: 'data.password',
        type: 'changed' as const,
        desired: 'sha256:0123456789ab',
        live: 'sha256:ba9876543210',
      },
      ['-sha256:0123456789ab', '+sha256:ba9876543210'],
    ],
    [
      'a multi-line value as a line diff with context',
      {
        path: 'data.app.yaml',
        type: 'changed' as const,
        desired: 'a: 1\nb: 2\nc: 3\n',
        live: 'a: 1\nb: 5\nc: 3\n',
      },
      [' a: 1', '-b: 2', '+b: 5', ' c: 3'],
    ],
  ])('renders %s', (_what, change, expected) => {
    expect(changeLines(change).map((line) => `${line.sign}${line.text}`)).toEqual(expected);
  });
});

describe('documentChangeLines', () => {
  it.each([
    // a path inside a document: the repo's value, then the live one, as JSON
    [
      'a changed path',
      {
        path: 'server.port',
        pointer: '/server/port',
        type: 'changed' as const,
        desired: '8080',
        live: '9090',
      },
      ['-8080', '+9090'],
    ],
    ['an added path', { path: 'a', pointer: '/a', type: 'added' as const, live: '"x"' }, ['+"x"']],
    ['a removed path', { path: 'b[0]', pointer: '/b/0', type: 'removed' as const, desired: '{}' }, ['-{}']],
  ])('renders %s', (_what, change, expected) => {
    expect(documentChangeLines(change).map((line) => `${line.sign}${line.text}`)).toEqual(expected);
  });
});

describe('repoLink', () => {
  const template = 'https://git.example/fleet/blob/{revision}/{file}#L{line}';

  it('fills file, line and the commit that set the key', () => {
    expect(repoLink(template, { file: 'apps/my app.yaml', line: 7, commit: 'abc123' }, 'def456')).toBe(
      'https://git.example/fleet/blob/abc123/apps/my%20app.yaml#L7',
    );
  });

  it('falls back to the current revision when the commit is unknown', () => {
    expect(repoLink(template, { file: 'a.yaml', line: 1 }, 'def456')).toBe(
      'https://git.example/fleet/blob/def456/a.yaml#L1',
    );
  });

  it.each([
    ['no template', undefined, 'rev'],
    ['no revision to fill in', template, undefined],
    ['a template that is not http(s)', 'javascript:alert({line})', 'rev'],
  ])('gives no link with %s', (_what, tmpl, revision) => {
    expect(repoLink(tmpl, { file: 'a.yaml', line: 1 }, revision)).toBeUndefined();
  });
});

describe('small formats', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it.each([
    ['2024-05-01T11:59:58Z', 'just now'],
    ['2024-05-01T11:57:00Z', '3 minutes ago'],
    ['2024-05-01T09:00:00Z', '3 hours ago'],
    ['2024-04-29T12:00:00Z', '2 days ago'],
    [undefined, 'never'],
    ['not a time', 'not a time'],
  ])('says %s is %s', (iso, expected) => {
    expect(relativeTime(iso, now)).toBe(expected);
  });

  it('shortens SHAs, clamps percentages and round-trips local input times', () => {
    expect(shortSha('0123456789abcdef')).toBe('0123456');
    expect(percent(0.736)).toBe('74%');
    expect(percent(1.5)).toBe('100%');
    const iso = '2024-05-01T10:30:00.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput('')).toBeUndefined();
  });
});
