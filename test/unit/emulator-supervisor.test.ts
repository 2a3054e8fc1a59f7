/** Which program each runtime starts, and how the Python interpreter is found (never a shim per start). */
import { describe, expect, it } from 'vitest';
import { findPythonExecutable, runtimeCommand, type CommandOutput } from '../../src/emulator/supervisor.js';

/** A fake `python3 -c ...` that records its calls. */
function fakeRun(answer: string | Error): { run: CommandOutput; calls: string[][] } {
  const calls: string[][] = [];
  const run: CommandOutput = async (command, args) => {
    calls.push([command, ...args]);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { run, calls };
}

describe('findPythonExecutable', () => {
  it('uses COLDPROBE_PYTHON without asking python3', async () => {
    const { run, calls } = fakeRun('/should/not/be/used');
    expect(await findPythonExecutable({ COLDPROBE_PYTHON: ' /opt/python/bin/python3.12 ' }, run)).toBe('/opt/python/bin/python3.12');
    expect(calls).toEqual([]);
  });

  it('asks python3 for sys.executable when no override is set (an empty override counts as none)', async () => {
    const { run, calls } = fakeRun('/root/.pyenv/versions/3.11.7/bin/python3');
    expect(await findPythonExecutable({ COLDPROBE_PYTHON: '' }, run)).toBe('/root/.pyenv/versions/3.11.7/bin/python3');
    expect(calls).toEqual([['python3', '-c', 'import sys; print(sys.executable)']]);
  });

  it.each([
    ['python3 is missing', new Error('spawn python3 ENOENT')],
    ['sys.executable is empty', ''],
    ['sys.executable is not an absolute path', 'None'],
  ])('falls back to python3 when %s', async (_case, answer) => {
    expect(await findPythonExecutable({}, fakeRun(answer).run)).toBe('python3');
  });

  it('finds a real interpreter on this machine (not a shell shim)', async () => {
    const found = await findPythonExecutable({});
    expect(found === 'python3' || found.startsWith('/')).toBe(true);
    expect(found).not.toContain('/shims/');
  });
});

describe('runtimeCommand', () => {
  it('python runtimes run the interpreter given, unbuffered, on our bootstrap', () => {
    const command = runtimeCommand({ runtime: 'python3.11', codeDir: '/code', memoryMb: 128 }, '/usr/bin/python3.11');
    expect(command).toMatchObject({ command: '/usr/bin/python3.11', args: ['-u', expect.stringMatching(/bootstrap\.py$/)] });
  });

  it('defaults to python3 and refuses unknown runtimes', () => {
    expect(runtimeCommand({ runtime: 'python3.12', codeDir: '/code', memoryMb: 128 })).toMatchObject({ command: 'python3' });
    expect(runtimeCommand({ runtime: 'java21', codeDir: '/code', memoryMb: 128 })).toEqual({ error: 'Unsupported runtime: java21' });
  });
});
