/**
 * Memory of a process tree from /proc (Linux): the emulator plus every environment it spawned. Peak figures
 * come from each process's VmHWM (its own high-water mark), so they need no sampling during a burst.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface TreeMemory {
  /** Processes in the tree, the root included. */
  processes: number;
  /** Sum of current resident sets (kB → MB). */
  rssMb: number;
  /** Sum of each process's peak resident set (an upper bound of the tree's peak). */
  peakRssMb: number;
  /** Sum of proportional set sizes (shared pages split between sharers), when smaps_rollup is readable. */
  pssMb: number | undefined;
}

/** Pids of `root` and all its descendants now. */
export function treePids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = safeRead(`/proc/${name}/stat`);
    if (stat === undefined) continue;
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Memory of `root` and its descendants, read now. */
export function treeMemory(root: number): TreeMemory {
  let rssKb = 0;
  let peakKb = 0;
  let pssKb = 0;
  let pssKnown = true;
  const pids = treePids(root);
  for (const pid of pids) {
    const status = safeRead(`/proc/${pid}/status`) ?? '';
    rssKb += kb(status, 'VmRSS');
    peakKb += kb(status, 'VmHWM');
    const rollup = safeRead(`/proc/${pid}/smaps_rollup`);
    if (rollup === undefined) pssKnown = false;
    else pssKb += kb(rollup, 'Pss');
  }
  return { processes: pids.length, rssMb: rssKb / 1024, peakRssMb: peakKb / 1024, pssMb: pssKnown ? pssKb / 1024 : undefined };
}

function kb(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** System-wide MemAvailable in MB (/proc/meminfo): its drop over a burst is what the burst really cost the machine. */
export function memAvailableMb(): number {
  return kb(safeRead('/proc/meminfo') ?? '', 'MemAvailable') / 1024;
}
