import { describe, expect, it } from 'vitest';
import type { PreviewReport } from '../../reconciler/preview/model.ts';
import { consoleLinks } from './blocks.ts';
import { type CommandContext, runReadCommand } from './handlers.ts';

const report: PreviewReport = {
  base: { ref: 'a'.repeat(40), revision: 'a'.repeat(40) },
  head: { ref: 'feature/green', revision: 'b'.repeat(40) },
  summary: '1 key in 1 object on 3 clusters: 2 applied at once, 1 wait for approval (rule prod-careful)',
  outcome: 'changes',
  policies: { changed: false, decisionsChanged: 0 },
  clusters: [],
  groups: [
    { clusters: ['staging-1', 'staging-2'], summary: '1 key in 1 object: 1 applied at once' },
    { clusters: ['prod-eu'], summary: '1 key in 1 object: 1 wait for approval (rule prod-careful)' },
  ],
  errors: [],
  baseErrors: [],
  conflicts: [],
};

const context = (preview?: CommandContext['preview']) =>
  ({
    links: consoleLinks('https://trueup.example'),
    clusterLabel: 'cluster',
    ...(preview ? { preview } : {}),
  }) as unknown as CommandContext;

describe('/trueup preview <branch>', () => {
  it('answers in the channel with the summary, the groups and a link to the console preview', async () => {
    const asked: string[] = [];
    const reply = await runReadCommand(
      { verb: 'preview', head: 'feature/green' },
      context(async (r) => {
        asked.push(r.head);
        return { ok: true, report };
      }),
    );
    expect(asked).toEqual(['feature/green']);
    expect(reply.visibility).toBe('in_channel');
    expect(reply.message.sections[0]).toBe(`*${report.summary}*`);
    expect(reply.message.sections[1]).toBe(
      '• staging-1, staging-2: 1 key in 1 object: 1 applied at once\n• prod-eu: 1 key in 1 object: 1 wait for approval (rule prod-careful)',
    );
    expect(reply.message.open).toEqual({
      url: `https://trueup.example/#/preview?head=feature%2Fgreen&base=${'a'.repeat(40)}`,
      label: 'Open the preview',
    });
  });

  it('tells the user what was wrong with the request, only to them', async () => {
    const reply = await runReadCommand(
      { verb: 'preview', head: 'nope' },
      context(async () => ({
        ok: false,
        code: 'TRUEUP_BAD_REQUEST',
        message: 'cannot read nope: <not found>',
      })),
    );
    expect(reply.visibility).toBe('ephemeral');
    expect(reply.message.sections).toEqual([':warning: cannot read nope: &lt;not found&gt;']);
  });

  it('says previews are off when serve offers none', async () => {
    const reply = await runReadCommand({ verb: 'preview', head: 'x' }, context());
    expect(reply.message.sections).toEqual(['Previews are not on in this trueup.']);
  });
});
