/**
 * CPU share proportional to memory, as on Lambda (1,769 MB = one vCPU), through cgroups where the machine allows
 * it: cgroup v1 (`cpu` hierarchy, `cpu.cfs_quota_us`) or cgroup v2 (`cpu.max`). Each environment gets its own
 * cgroup under one coldprobe parent, because Lambda gives every environment its own share (ten 1,769 MB
 * environments get ten vCPUs, not one between them). Everything created is removed on close.
 *
 * During an on-demand Init phase Lambda does not throttle CPU to the memory share: AWS's guidance says
 * "On-demand Lambda functions use a full vCPU (non-throttled) … during its initialization phase" and "For
 * provisioned concurrency, there is no cpu burst and goes directly to using proportional vCPU based on the
 * memory allocation" (serverlessland.com, Effectively running Java on Serverless › Utilize initialization
 * phase). So an on-demand init gets at least one full vCPU (more when its memory buys more), and the share
 * drops to the memory's at the runtime's first `/next`; provisioned-concurrency inits get the share throughout.
 * Standalone: imports nothing outside src/emulator.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MB_PER_VCPU } from '../lambda/limits.js';

export interface CpuQuota {
  /** True when quotas are really applied on this machine. */
  readonly active: boolean;
  /** Why quotas are not applied (said once to the user), when inactive. */
  readonly unavailableReason?: string;
  /**
   * Put process `pid` under a CPU quota proportional to `memoryMb` (with `initBoost`, at least one full vCPU);
   * called again for the same pid, it changes the quota. Never throws.
   */
  assign(pid: number, memoryMb: number, initBoost?: boolean): void;
  /** Forget `pid` (its process exited). Never throws. */
  release(pid: number): void;
  /** Remove whatever was created. Never throws. */
  close(): void;
}

/** Memory that buys one full vCPU on Lambda, MB (src/lambda/limits.ts). */
export { MB_PER_VCPU };
/** CFS period used for every quota, µs (the kernel default). */
export const CFS_PERIOD_US = 100_000;
/** The kernel refuses quotas below 1 ms per period. */
export const MIN_QUOTA_US = 1000;

/** CFS quota (µs per CFS_PERIOD_US) for an environment of `memoryMb`; `initBoost`: an on-demand init (≥ one vCPU). */
export function quotaUsFor(memoryMb: number, initBoost = false, periodUs: number = CFS_PERIOD_US): number {
  const effectiveMb = initBoost ? Math.max(MB_PER_VCPU, memoryMb) : memoryMb;
  return Math.max(MIN_QUOTA_US, Math.round((effectiveMb / MB_PER_VCPU) * periodUs));
}

/** Where and how to write quotas; exported for tests that point it at a temporary folder. */
export interface CgroupLayout {
  version: 1 | 2;
  /** The hierarchy root (v1: the `cpu` controller mount; v2: the unified mount). */
  root: string;
}

const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

/** Finds a writable CPU cgroup hierarchy, or says why there is none. */
export function detectCgroups(): CgroupLayout | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: `CPU quotas need Linux cgroups (this is ${process.platform})` };
  if (existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))) return { version: 1, root: V1_ROOT };
  const controllers = join(V2_ROOT, 'cgroup.controllers');
  if (existsSync(controllers)) {
    const text = safeRead(controllers) ?? '';
    if (text.split(/\s+/).includes('cpu')) return { version: 2, root: V2_ROOT };
    return { unavailable: 'the cgroup v2 hierarchy does not offer the cpu controller' };
  }
  return { unavailable: 'no cgroup CPU controller is mounted (/sys/fs/cgroup/cpu or cgroup v2)' };
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let parentCounter = 0;

/** Removes empty parents left by coldprobe processes that died without closing (best effort). */
function sweepStale(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^coldprobe-(\d+)-\d+$/.exec(name);
    if (!match || pidAlive(Number(match[1]))) continue;
    const dir = join(root, name);
    try {
      for (const child of readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) rmdirSync(join(dir, child.name));
      rmdirSync(dir);
    } catch {
      // Still holds a live process or is not ours to remove: leave it.
    }
  }
}

/** Creates the quota controller under `layout` (or the detected hierarchy). */
function createActive(layout: CgroupLayout): CpuQuota | { unavailable: string } {
  sweepStale(layout.root);
  parentCounter += 1;
  const parent = join(layout.root, `coldprobe-${process.pid}-${parentCounter}`);
  try {
    mkdirSync(parent);
    if (layout.version === 2) {
      // Children can only get cpu.max when the controller is enabled on the way down.
      const rootControl = join(layout.root, 'cgroup.subtree_control');
      if (!(safeRead(rootControl) ?? '').split(/\s+/).includes('cpu')) writeFileSync(rootControl, '+cpu');
      writeFileSync(join(parent, 'cgroup.subtree_control'), '+cpu');
    }
  } catch (error) {
    try {
      rmdirSync(parent);
    } catch {
      // nothing was created
    }
    return { unavailable: `cannot create a cgroup under ${layout.root} (${errorText(error)})` };
  }

  const byPid = new Map<number, string>();
  const procsFile = (dir: string): string => join(dir, 'cgroup.procs');
  const removeDir = (dir: string): boolean => {
    try {
      rmdirSync(dir);
      return true;
    } catch {
      return false;
    }
  };
  const pending = new Set<string>();

  return {
    active: true,
    assign(pid, memoryMb, initBoost = false) {
      const dir = join(parent, `env-${pid}`);
      try {
        mkdirSync(dir, { recursive: true });
        const quota = quotaUsFor(memoryMb, initBoost);
        if (layout.version === 1) {
          writeFileSync(join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
          writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
        } else {
          writeFileSync(join(dir, 'cpu.max'), `${quota} ${CFS_PERIOD_US}`);
        }
        writeFileSync(procsFile(dir), String(pid));
        byPid.set(pid, dir);
      } catch {
        // The process may already have exited (a crashing runtime); nothing to limit.
        if (!removeDir(dir)) pending.add(dir);
      }
    },
    release(pid) {
      const dir = byPid.get(pid);
      if (dir === undefined) return;
      byPid.delete(pid);
      // rmdir fails while the exited process is not yet reaped; close() retries.
      if (!removeDir(dir)) pending.add(dir);
    },
    close() {
      const dirs = [...byPid.values(), ...pending];
      byPid.clear();
      pending.clear();
      for (const dir of dirs) {
        if (removeDir(dir)) continue;
        // Still populated (a process outlived its environment): move its processes to the root, then remove.
        for (const pid of (safeRead(procsFile(dir)) ?? '').split('\n').filter((l) => l.trim() !== '')) {
          try {
            writeFileSync(procsFile(layout.root), pid);
          } catch {
            // exited meanwhile
          }
        }
        removeDir(dir);
      }
      removeDir(parent);
    },
  };
}

/** Creates the quota controller; with `enabled` false (or no writable cgroups) it does nothing. */
export function createCpuQuota(enabled: boolean, layout?: CgroupLayout): CpuQuota {
  const inactive = (reason: string): CpuQuota => ({
    active: false,
    unavailableReason: reason,
    assign() {},
    release() {},
    close() {},
  });
  if (!enabled) return inactive('CPU quotas are off');
  const found = layout ?? detectCgroups();
  if ('unavailable' in found) return inactive(`CPU quotas unavailable: ${found.unavailable}; running without them`);
  const quota = createActive(found);
  if ('unavailable' in quota) return inactive(`CPU quotas unavailable: ${quota.unavailable}; running without them`);
  return quota;
}
