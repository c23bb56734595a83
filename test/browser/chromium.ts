/**
 * Debian's Chromium for end-to-end tests, driven by playwright-core: found at /usr/bin/chromium,
 * installed with apt-get when missing and running as root (as .ci/run does), launched headless
 * with no sandbox (tests run as root) and no background networking.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';

const executablePath = '/usr/bin/chromium';

/** CHROMIUM_MISSING says how to get Chromium when the tests cannot install it. */
export const CHROMIUM_MISSING =
  'chromium not found at /usr/bin/chromium: run `apt-get install -y chromium` (Debian)';

/** ensureChromium installs Debian's chromium when it is missing (as root), else throws how to. */
export async function ensureChromium(): Promise<string> {
  if (existsSync(executablePath)) return executablePath;
  if (process.getuid?.() !== 0) throw new Error(CHROMIUM_MISSING);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = promisify(execFile);
  try {
    await run('apt-get', ['install', '-y', 'chromium'], { env, maxBuffer: 64 * 1024 * 1024 });
  } catch {
    await run('apt-get', ['update'], { env, maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', 'chromium'], { env, maxBuffer: 64 * 1024 * 1024 });
  }
  if (!existsSync(executablePath)) throw new Error(CHROMIUM_MISSING);
  return executablePath;
}

/** launchChromium starts headless Chromium. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await ensureChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}
