import { describe, expect, it } from 'vitest';
import { digestOf } from '../core/secret-value.ts';
import { lastAppliedAnnotation, toLiveObject } from './live-object.ts';

const canary = 'client-side-applied-canary-41c7';

describe('reading a live object', () => {
  it.each(['Secret', 'ConfigMap'] as const)(
    "drops a %s's last-applied-configuration (it holds every value in plaintext) and keeps other annotations",
    (kind) => {
      const lastApplied = JSON.stringify({ apiVersion: 'v1', kind, stringData: { password: canary } });
      const live = toLiveObject('c1', kind, {
        metadata: {
          name: 'db',
          namespace: 'shop',
          annotations: { [lastAppliedAnnotation]: lastApplied, team: 'payments' },
        },
        data: { password: kind === 'Secret' ? Buffer.from(canary).toString('base64') : 'plain' },
      });
      expect(live.annotations).toEqual({ team: 'payments' });
      expect(JSON.stringify(live)).not.toContain(canary);
      if (kind === 'Secret') expect(live.data.password).toBe(digestOf(canary));
    },
  );
});
