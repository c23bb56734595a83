/**
 * What `trueup demo` prints once its fleet is in sync: where things are, and a numbered tour of the
 * five steps that teach the most (a drift fixed, a held Secret approved, a commit rolled out, a
 * decision explained, the console), each one line to copy and paste. It opens nothing by itself;
 * the rest of what to try is in docs/demo.md.
 */

/** DemoPlaces are the demo's paths and address. */
export interface DemoPlaces {
  url: string;
  repo: string;
  kubeconfig: string;
  stateDir: string;
  /** ageKey is the demo repo's (demo-only) age key: approve, diff and explain decrypt its Secrets with it. */
  ageKey: string;
  /** cwd is where `npx trueup` works (the folder the demo was started in). */
  cwd: string;
  clusters: readonly string[];
  remediate: boolean;
  /** approvalId is the pending approval of prod-eu's Secret, once the daemon has queued it. */
  approvalId?: string;
}

/** demoTour is the text printed when the demo is ready. */
export function demoTour(p: DemoPlaces): string {
  const kubectl = (context: string, rest: string) => `kubectl --context ${context} -n shop ${rest}`;
  const show = (context: string, name: string, key: string) =>
    kubectl(context, `get configmap ${name} -o jsonpath='{.data.${key}}{"\\n"}'`);
  const repoArgs = `--repo ${p.repo} --kubeconfig ${p.kubeconfig}`;
  const steps = [
    p.remediate
      ? [
          'See a drift fixed: change a ConfigMap behind trueup’s back; a moment later LOG_LEVEL is info again (the repo’s value).',
          `${kubectl('prod-eu', `patch configmap checkout-config -p '{"data":{"LOG_LEVEL":"debug"}}'`)}; sleep 2; ${show('prod-eu', 'checkout-config', 'LOG_LEVEL')}`,
        ]
      : [
          'See a drift reported: change a ConfigMap behind trueup’s back; with --observe it stays changed, and diff shows what drifted and who did it.',
          `${kubectl('prod-eu', `patch configmap checkout-config -p '{"data":{"LOG_LEVEL":"debug"}}'`)}; npx trueup diff ${repoArgs} --cluster prod-eu`,
        ],
    p.remediate
      ? [
          'Approve a held Secret: Secrets in prod wait for a human (examples/fleet-repo/policies.yaml). List them, then approve prod-eu’s:',
          `npx trueup approvals list --state-dir ${p.stateDir}`,
          `npx trueup approve ${p.approvalId ?? '<id from the list>'} --as you ${repoArgs} --state-dir ${p.stateDir}`,
        ]
      : [
          'Held Secrets: with --observe nothing is queued for approval; run `npx trueup demo` without --observe to approve one.',
        ],
    [
      `Ship a change through Git: commit to the fleet repo and ask trueup to fetch now (it also polls every 10 s); staging gets sandbox-v2, prod keeps its overlay’s value.`,
      `(cd ${p.repo} && sed -i 's/PROVIDER: sandbox$/PROVIDER: sandbox-v2/' base/checkout.yaml && git -c user.name=you -c user.email=you@example.com commit -qam 'new provider') && curl -s -w '\\n' -X POST ${p.url}/api/v1/git/refresh && sleep 2 && ${show('staging', 'payments-config', 'PROVIDER')}`,
    ],
    [
      'Ask why: which policy rules match an object and what trueup decides for it.',
      `npx trueup explain prod-eu/shop/Secret/checkout-db --repo ${p.repo}`,
    ],
    [
      `Look back: open ${p.url}/ in a browser (no login in the demo): the fleet, the drifts, the history and the approvals of all of the above.`,
    ],
  ];
  const numbered = steps.map(([what, ...commands], i) =>
    [`${i + 1}. ${what}`, ...commands.map((c) => `   ${c}`)].join('\n'),
  );
  return `
trueup demo is ready: ${p.clusters.length} local clusters (${p.clusters.join(', ')}) kept true to a git repo by trueup serve${p.remediate ? ', remediation on' : ' (observe only)'}.

  console   ${p.url}/
  repo      ${p.repo}
  state     ${p.stateDir}

Try it, in another terminal:
   cd ${p.cwd} && export KUBECONFIG=${p.kubeconfig} SOPS_AGE_KEY_FILE=${p.ageKey}

${numbered.join('\n\n')}

More to try (an alert and its diagnosis, Events, the API, deleting an object): docs/demo.md. Ctrl-C stops the daemon and the clusters.
`;
}
