import { describe, expect, it } from 'vitest';
import { demoTour } from './demo-tour.ts';

const places = {
  url: 'http://127.0.0.1:8080',
  repo: '/tmp/d/repo',
  kubeconfig: '/tmp/d/fleet/kubeconfig',
  stateDir: '/tmp/d/state',
  ageKey: '/src/examples/demo-age.key',
  cwd: '/src/trueup',
  clusters: ['prod-eu', 'prod-us', 'staging'],
  remediate: true,
  approvalId: 'a1-abc',
};

/** steps splits the tour into its numbered steps: the heading line and the command lines below it. */
function steps(tour: string) {
  return [...tour.matchAll(/^(\d)\. (.*)\n((?: {3}.*\n)*)/gm)].map((m) => ({
    n: Number(m[1]),
    what: m[2],
    commands: (m[3] ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim()),
  }));
}

describe('demoTour', () => {
  it('numbers five steps, each command one line to paste, with the real approval id', () => {
    const tour = demoTour(places);
    const s = steps(tour);
    expect(s.map((x) => x.n)).toEqual([1, 2, 3, 4, 5]);
    expect(s[0]?.what).toMatch(/^See a drift fixed/);
    expect(s[1]?.what).toMatch(/^Approve a held Secret/);
    expect(s[1]?.commands[1]).toBe(
      'npx trueup approve a1-abc --as you --repo /tmp/d/repo --kubeconfig /tmp/d/fleet/kubeconfig --state-dir /tmp/d/state',
    );
    // Nothing left to fill in, and nothing opened for the reader.
    expect(tour).not.toContain('<id');
    for (const c of s.flatMap((x) => x.commands)) expect(c).not.toMatch(/^(open|xdg-open|start)\b|xdg-open/);
    // The commands run in the terminal the setup line prepared: kubeconfig and the demo age key.
    expect(tour).toContain(
      'cd /src/trueup && export KUBECONFIG=/tmp/d/fleet/kubeconfig SOPS_AGE_KEY_FILE=/src/examples/demo-age.key',
    );
    expect(tour).toContain('docs/demo.md');
    // Every command is one line: a step's text is its heading, then one line per command.
    expect(s[2]?.commands).toHaveLength(1);
    expect(s[2]?.commands[0]).toContain(`curl -s -w '\\n' -X POST http://127.0.0.1:8080/api/v1/git/refresh`);
  });

  it('says where to find the id when the approval was not queued yet, and tells observe mode apart', () => {
    const { approvalId: _, ...rest } = places;
    expect(demoTour(rest)).toContain('npx trueup approve <id from the list>');
    const observe = steps(demoTour({ ...places, remediate: false }));
    expect(observe[0]?.what).toMatch(/^See a drift reported/);
    expect(observe[1]?.commands).toEqual([]);
  });
});
