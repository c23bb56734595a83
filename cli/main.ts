/** The `trueup` process: runs the command line and sets the exit code. */
import { run } from './program.ts';

process.exitCode = await run(process.argv.slice(2));
