import { describe, expect, it, vi } from 'vitest';
import type { LiveObject } from '../core/model.ts';
import { KubeError, type WatchHandlers } from './kube-cluster.ts';
import {
  decodeVersions,
  encodeVersions,
  listNamespaces,
  smallestVersion,
  watchNamespaces,
} from './namespaced-watch.ts';

function live(namespace: string, name: string, resourceVersion: string): LiveObject {
  return {
    cluster: 'c1',
    kind: 'ConfigMap',
    namespace,
    name,
    uid: `${namespace}-${name}`,
    resourceVersion,
    data: {},
    binaryData: {},
    labels: {},
    annotations: {},
    managedFields: [],
  };
}

describe('resourceVersions of namespaced lists', () => {
  it.each([
    // each namespace resumes from its own version in a composite
    [
      'namespaces:a=120,b=97',
      ['a', 'b'],
      [
        ['a', '120'],
        ['b', '97'],
      ],
    ],
    // a plain version starts every namespace from it
    [
      '4711',
      ['a', 'b'],
      [
        ['a', '4711'],
        ['b', '4711'],
      ],
    ],
    // a namespace the composite does not know starts from the smallest version in it
    [
      'namespaces:a=120,b=97',
      ['a', 'c'],
      [
        ['a', '120'],
        ['c', '97'],
      ],
    ],
  ])('%s for %j decodes to %j', (version, namespaces, expected) => {
    expect([...decodeVersions(version, namespaces)]).toEqual(expected);
  });

  it('encodes what it decodes', () => {
    const versions = new Map([
      ['team-a', '5'],
      ['team-b', '12'],
    ]);
    expect(decodeVersions(encodeVersions(versions), ['team-a', 'team-b'])).toEqual(versions);
  });

  it.each([
    [['120', '97', '1000'], '97'],
    [['9', '10'], '9'],
    [[], ''],
  ])('the smallest of %j is %j', (versions, expected) => {
    expect(smallestVersion(versions)).toBe(expected);
  });
});

describe('listNamespaces', () => {
  it('merges the objects of every namespace and keeps each list version', async () => {
    const listed = await listNamespaces(['a', 'b'], async (ns) => ({
      objects: [live(ns, 'x', ns === 'a' ? '10' : '20')],
      resourceVersion: ns === 'a' ? '15' : '25',
    }));
    expect(listed.objects.map((o) => `${o.namespace}/${o.name}`)).toEqual(['a/x', 'b/x']);
    expect(listed.resourceVersion).toBe('namespaces:a=15,b=25');
  });

  it('fails when any namespace fails: a partial list would look like deletions', async () => {
    const denied = new KubeError({
      cluster: 'c1',
      what: 'list ConfigMaps in namespace b',
      reason: 'forbidden',
      detail: 'denied',
    });
    await expect(
      listNamespaces(['a', 'b'], async (ns) => {
        if (ns === 'b') throw denied;
        return { objects: [], resourceVersion: '1' };
      }),
    ).rejects.toBe(denied);
  });
});

/** fakeWatches records each namespace watch so a test can drive it. */
function fakeWatches() {
  const started = new Map<string, { rv: string; handlers: WatchHandlers; stop: ReturnType<typeof vi.fn> }>();
  const watchOne = async (ns: string, rv: string, handlers: WatchHandlers) => {
    const stop = vi.fn(() => handlers.onDone());
    started.set(ns, { rv, handlers, stop });
    return stop;
  };
  return { started, watchOne };
}

function recorder() {
  const seen = { changes: [] as string[], progress: [] as string[], done: [] as (KubeError | undefined)[] };
  const handlers: WatchHandlers = {
    onChange: (type, o) => seen.changes.push(`${type} ${o.namespace}/${o.name}`),
    onProgress: (rv) => seen.progress.push(rv),
    onDone: (error) => seen.done.push(error),
  };
  return { seen, handlers };
}

describe('watchNamespaces', () => {
  it('starts each namespace from its own version and reports the composite of the newest versions', async () => {
    const { started, watchOne } = fakeWatches();
    const { seen, handlers } = recorder();
    await watchNamespaces(['a', 'b'], 'namespaces:a=15,b=25', handlers, watchOne);
    expect([...started].map(([ns, w]) => [ns, w.rv])).toEqual([
      ['a', '15'],
      ['b', '25'],
    ]);
    started.get('b')?.handlers.onChange('MODIFIED', live('b', 'x', '30'));
    started.get('b')?.handlers.onProgress('30');
    expect(seen.changes).toEqual(['MODIFIED b/x']);
    expect(seen.progress).toEqual(['namespaces:a=15,b=30']);
  });

  it('ends every namespace watch when one ends, and reports that end once', async () => {
    const { started, watchOne } = fakeWatches();
    const { seen, handlers } = recorder();
    await watchNamespaces(['a', 'b'], '7', handlers, watchOne);
    const gone = new KubeError({
      cluster: 'c1',
      what: 'watch ConfigMaps in namespace a',
      reason: 'gone',
      status: 410,
      detail: 'too old',
    });
    started.get('a')?.handlers.onDone(gone);
    expect(started.get('b')?.stop).toHaveBeenCalledOnce();
    expect(seen.done).toEqual([gone]);
    started.get('b')?.handlers.onChange('ADDED', live('b', 'late', '9'));
    expect(seen.changes).toEqual([]);
  });

  it('stop ends every namespace watch and reports done once, without an error', async () => {
    const { started, watchOne } = fakeWatches();
    const { seen, handlers } = recorder();
    const stop = await watchNamespaces(['a', 'b'], '7', handlers, watchOne);
    stop();
    stop();
    expect(started.get('a')?.stop).toHaveBeenCalledOnce();
    expect(started.get('b')?.stop).toHaveBeenCalledOnce();
    expect(seen.done).toEqual([undefined]);
  });

  it('stops the namespace watches that start after another one already ended', async () => {
    const stops = new Map<string, ReturnType<typeof vi.fn>>();
    const { seen, handlers } = recorder();
    const closed = new KubeError({
      cluster: 'c1',
      what: 'watch',
      reason: 'other',
      detail: 'watch closed by the server',
    });
    await watchNamespaces(['a', 'b'], '7', handlers, async (ns, _rv, h) => {
      if (ns === 'a') h.onDone(closed);
      const stop = vi.fn();
      stops.set(ns, stop);
      return stop;
    });
    expect(stops.get('b')).toHaveBeenCalledOnce();
    expect(seen.done).toEqual([closed]);
  });
});
