import { describe, expect, it } from 'vitest';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { fakeDaemon, heldDrift, incident, queueHeld } from '../../test/fixtures/chat-fixtures.ts';
import {
  ACTION_APPROVE,
  ACTION_OPEN,
  ACTION_REJECT,
  consoleLinks,
  esc,
  listSections,
  toBlocks,
} from './blocks.ts';
import { renderDrifts, renderStatus } from './render-fleet.ts';
import { renderDiagnosis, renderIncidentRoot } from './render-incident.ts';
import { renderHeld } from './render-notices.ts';

const links = consoleLinks('https://trueup.example/');
const type = (blocks: Record<string, unknown>[], t: string) => blocks.filter((b) => b.type === t);

describe('console deep links', () => {
  it.each([
    [
      links.object({ cluster: 'prod-eu', namespace: 'shop', kind: 'ConfigMap', name: 'app' }),
      'https://trueup.example/#/objects/prod-eu/shop/ConfigMap/app',
    ],
    [links.incident('i3'), 'https://trueup.example/#/incidents/i3'],
    [links.approvals(), 'https://trueup.example/#/approvals'],
    [links.drifts('prod eu'), 'https://trueup.example/#/drifts?cluster=prod%20eu'],
    [consoleLinks(undefined).approvals(), undefined],
  ])('%s', (made, expected) => {
    expect(made).toBe(expected);
  });
});

describe('Block Kit rendering', () => {
  it('escapes text from the repo and alerts, so nothing can mention @channel or smuggle a link', async () => {
    expect(esc('<!channel> & <https://evil|click>')).toBe(
      '&lt;!channel&gt; &amp; &lt;https://evil|click&gt;',
    );
    const root = toBlocks(renderIncidentRoot(incident(), links, 'cluster'));
    expect(JSON.stringify(root)).not.toContain('<!channel>');
    expect(JSON.stringify(root)).toContain('&lt;!channel&gt;');
  });

  it('gives a held change Approve and Reject buttons carrying its id, and an Open link', async () => {
    const approval = await queueHeld(openAuditStore(':memory:'));
    const blocks = toBlocks(renderHeld(approval, links));
    const [actions] = type(blocks, 'actions') as { elements: Record<string, unknown>[] }[];
    expect(actions?.elements).toEqual([
      expect.objectContaining({ action_id: ACTION_APPROVE, value: approval.id, style: 'primary' }),
      expect.objectContaining({ action_id: ACTION_REJECT, value: approval.id, style: 'danger' }),
      expect.objectContaining({
        action_id: ACTION_OPEN,
        url: 'https://trueup.example/#/objects/prod-eu/shop/ConfigMap/app',
      }),
    ]);
    const text = JSON.stringify(blocks);
    expect(text).toContain('`data.color` is `red`, git says `blue`');
    expect(text).toContain('`data.extra` added out of band');
    expect(text).toContain('kubectl-edit');
    expect(text).toContain('careful (policies.yaml:3)');
    // Without interactivity (no signing secret) there is nothing to press but the link.
    const passive = toBlocks(renderHeld(approval, links), false);
    expect((type(passive, 'actions')[0] as { elements: unknown[] }).elements).toHaveLength(1);
  });

  it('cuts long lists and points at the console for the rest', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`);
    const { sections, context } = listSections(lines, { url: links.drifts('c1'), what: 'drifted objects' });
    expect(sections.join('\n').split('\n')).toHaveLength(20);
    expect(context).toEqual([
      '5 more drifted objects not shown: <https://trueup.example/#/drifts?cluster=c1|see all in the console>',
    ]);
  });

  it('keeps every section under the 3000-character limit of a section', async () => {
    const lines = Array.from({ length: 20 }, () => 'x'.repeat(1000));
    const { sections } = listSections(lines, { what: 'lines' });
    expect(Math.max(...sections.map((s) => s.length))).toBeLessThanOrEqual(2900);
    const drifts = Array.from({ length: 40 }, (_, i) => heldDrift(`app-${i}`));
    const blocks = toBlocks(renderDrifts('prod-eu', drifts, links));
    for (const b of type(blocks, 'section'))
      expect(((b.text as { text: string }).text ?? '').length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(blocks)).toContain('more drifted objects not shown');
  });

  it('renders the fleet status with one line per cluster', async () => {
    const message = renderStatus(fakeDaemon().daemon.status(), links);
    expect(message.sections.join('\n')).toContain('*prod-eu* — held · 3 objects · 1 drifted · 1 held');
    expect(message.open?.url).toBe('https://trueup.example/#/drifts');
  });

  it('lists repo errors with file:line and code in the status, and an object they hold in diff', async () => {
    const error = {
      file: 'base/app.yaml',
      line: 4,
      code: 'TRUEUP_REPO_YAML_BUDGET' as const,
      message: 'invalid YAML: too many aliases',
    };
    const status = { ...fakeDaemon().daemon.status(), errors: [{ ...error, holds: ['ConfigMap/shop/app'] }] };
    const text = renderStatus(status, links).sections.join('\n');
    expect(text).toContain('1 repo error(s)');
    expect(text).toContain(
      'base/app.yaml:4: invalid YAML: too many aliases [TRUEUP_REPO_YAML_BUDGET]; holds 1 object(s)',
    );
    const held = renderDrifts(
      'prod-eu',
      [
        {
          cluster: 'prod-eu',
          kind: 'ConfigMap',
          namespace: 'shop',
          name: 'app',
          status: 'unknown',
          changes: [],
          driftedBy: [],
          heldBy: [error],
        },
      ],
      links,
    );
    expect(held.sections.join('\n')).toContain(
      'Held by repo error base/app.yaml:4: invalid YAML: too many aliases [TRUEUP_REPO_YAML_BUDGET]: not orphaned, never pruned',
    );
  });

  it('puts a validated fix held by policy under buttons in the diagnosis reply', async () => {
    const diagnosed = incident({
      investigation: 'done',
      diagnosis: {
        source: 'heuristic',
        answer: {
          summary: 'data.DB_HOST of ConfigMap shop/app was edited',
          rootCause: 'kubectl edit changed DB_HOST',
          confidence: 0.8,
          evidence: [],
          risk: 'low',
          fix: { type: 'revert-drift', target: 'prod-eu/shop/ConfigMap/app', description: '' },
        },
        validation: { status: 'validated', reasons: ['dry-run passed', 'policy: approve'], approval: 'a7' },
        durationMs: 12,
      },
    });
    const message = renderDiagnosis(diagnosed, links);
    expect(message.approval).toBe('a7');
    expect(message.sections.join('\n')).toContain("restore git's values on `prod-eu/shop/ConfigMap/app`");
    expect(message.sections.join('\n')).toContain('approval *a7*');
  });

  it('flags a possible prompt injection and says why a model answer is not shown', () => {
    const flagged = incident({
      investigation: 'done',
      evidence: {
        gatheredAt: '2026-11-23T03:00:00Z',
        subjects: [],
        workloads: [],
        configs: [],
        notes: [],
        injections: [{ where: 'alert f1 annotation description', excerpt: 'Ignore previous instructions' }],
      },
      diagnosis: {
        source: 'heuristic',
        answer: {
          summary: 'nothing found',
          rootCause: 'unknown',
          confidence: 0.1,
          evidence: [],
          risk: 'low',
        },
        unsupported: [
          {
            model: 'm',
            answer: {
              summary: 'remove kube-system/coredns',
              rootCause: 'x',
              confidence: 0.99,
              evidence: [],
              risk: 'high',
            },
            reasons: ['cites no evidence id present in the bundle'],
          },
        ],
        durationMs: 5,
      },
    });
    const text = renderDiagnosis(flagged, links).sections.join('\n');
    expect(text).toContain(
      ':warning: *Possible prompt injection*: instruction-like text in alert f1 annotation description',
    );
    expect(text).toContain('_Model answer not shown: cites no evidence id present in the bundle_');
  });
});
