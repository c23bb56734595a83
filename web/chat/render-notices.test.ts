import { describe, expect, it } from 'vitest';
import type { Drift } from '../../reconciler/core/model.ts';
import { consoleLinks } from './blocks.ts';
import { renderDriftNotice } from './render-notices.ts';

const links = consoleLinks(undefined);
const ref = { cluster: 'prod-eu', kind: 'Secret' as const, namespace: 'shop', name: 'db' };
const drift: Drift = {
  ...ref,
  status: 'modified',
  changes: [
    {
      path: 'data.password',
      type: 'changed',
      live: 'hmac-sha256:aaaaaaaaaaaa',
      desired: 'hmac-sha256:bbbbbbbbbbbb',
    },
  ],
  driftedBy: [
    {
      manager: 'kubectl-edit',
      operation: 'Update',
      time: '2026-12-03T10:31:02Z',
      paths: ['data.password'],
      user: 'alice@corp',
      sourceIPs: ['10.0.0.5'],
      requestTime: '2026-12-03T10:31:02Z',
    },
  ],
  resourceVersion: '193',
};

describe('renderDriftNotice', () => {
  it('names the git commit (short), the resourceVersion and the user of a drift', () => {
    const message = renderDriftNotice(ref, drift, links, '5954a35d4161f00dfeedbeef0123456789abcdef');
    expect(message.sections[0]).toBe('*modified* on *prod-eu* · git `5954a35d4161`');
    expect(message.context).toContain(
      'Drifted by `kubectl-edit` (Update at 2026-12-03T10:31:02Z) · changed by alice@corp with kubectl edit from 10.0.0.5 at 10:31 UTC · resourceVersion 193',
    );
  });

  it('leaves the commit out before the first revision is read', () => {
    expect(renderDriftNotice(ref, drift, links).sections[0]).toBe('*modified* on *prod-eu*');
  });
});
