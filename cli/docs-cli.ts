/**
 * `npm run docs:cli`: regenerates the reference part of docs/cli.md from the program's own help
 * (cli/reference.ts), keeping the prose above the marker.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildProgram } from './program.ts';
import { withReference } from './reference.ts';

const file = new URL('../docs/cli.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withReference(before, buildProgram());
writeFileSync(file, after);
process.stdout.write(before === after ? 'docs/cli.md is up to date\n' : 'docs/cli.md regenerated\n');
