import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.ts';
import { cliReference, cliReferenceMarker, commandsOf, fullName, withReference } from './reference.ts';

describe('the CLI reference in docs/cli.md', () => {
  it('is what the program prints for --help, command by command (else run npm run docs:cli)', () => {
    const doc = readFileSync(new URL('../docs/cli.md', import.meta.url), 'utf8');
    expect(
      doc === withReference(doc, buildProgram()),
      'docs/cli.md differs from the program’s own help: run `npm run docs:cli` and commit docs/cli.md',
    ).toBe(true);
  });

  it('covers every command and subcommand with its full name', () => {
    const names = commandsOf(buildProgram()).map(fullName);
    expect(names).toEqual(
      expect.arrayContaining(['trueup', 'trueup diff', 'trueup serve', 'trueup approvals list']),
    );
    const reference = cliReference(buildProgram());
    for (const name of names) expect(reference).toContain(`### \`${name}\``);
  });

  it('keeps the prose above the marker and replaces everything below it', () => {
    const program = new Command('tool').description('a tool');
    program.command('go').description('goes').option('--far', 'how far');
    const once = withReference('# Tool\n\nProse.\n', program);
    expect(once.startsWith(`# Tool\n\nProse.\n\n${cliReferenceMarker}\n\n## Reference`)).toBe(true);
    expect(once).toContain('--far');
    // A stale reference below the marker is replaced; the prose is untouched.
    const stale = once.replace('how far', 'how near');
    expect(withReference(stale, program)).toBe(once);
  });

  it('does not depend on the terminal it is generated in', () => {
    const columns = process.stdout.columns;
    try {
      process.stdout.columns = 40;
      const narrow = cliReference(buildProgram());
      process.stdout.columns = 200;
      expect(cliReference(buildProgram())).toBe(narrow);
    } finally {
      process.stdout.columns = columns;
    }
  });
});
