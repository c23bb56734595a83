import { describe, expect, it } from 'vitest';
import type { LiveObject, ObjectRef } from '../reconciler/core/model.ts';
import { REDACTED, SecretMatcher, secretScrubber } from '../reconciler/core/secret-guard.ts';
import { openAuditStore } from '../reconciler/store/store.ts';
import { cycleObjectReader } from '../reconciler/sync/object-reader.ts';
import { type EvidenceSources, gatherConfigEvidence } from './evidence.ts';

const canary = 'evidence-canary-Zq8vX2pL';
const ref: ObjectRef = { cluster: 'c1', kind: 'ConfigMap', namespace: 'shop', name: 'app' };

function sourcesWith(live: LiveObject): EvidenceSources {
  const matcher = new SecretMatcher([Buffer.from(canary)]);
  return {
    objects: cycleObjectReader({
      state: () => undefined,
      live: () => async () => live,
      store: openAuditStore(':memory:'),
      blame: async () => new Map(),
      context: { fieldManager: 'trueup', remediate: false },
    }),
    reader: () => undefined,
    git: { log: async () => [] },
    scrub: secretScrubber(() => matcher),
  };
}

describe('config evidence', () => {
  it.each([190, 195, 199, 200])(
    'scrubs a Secret value copied into a ConfigMap before trimming it, so no part of it survives the cut (value at %i)',
    async (at) => {
      const value = `${'x'.repeat(at)}${canary}${'y'.repeat(100)}`;
      const live: LiveObject = {
        ...ref,
        uid: 'u',
        resourceVersion: '1',
        data: { copied: value },
        binaryData: {},
        labels: { copy: canary },
        annotations: {},
        managedFields: [],
      };
      const evidence = await gatherConfigEvidence(ref, [], sourcesWith(live));
      const shown = evidence.live?.data.copied ?? '';
      for (let n = 3; n <= canary.length; n++) expect(shown).not.toContain(canary.slice(0, n));
      expect(shown.startsWith(`${'x'.repeat(at)}${REDACTED}`.slice(0, 200))).toBe(true);
      expect(evidence.live?.labels).toEqual({ copy: REDACTED });
    },
  );
});
