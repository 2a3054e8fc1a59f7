/**
 * CPU share proportional to memory, as on Lambda (1,769 MB = one vCPU), through cgroups where the machine
 * allows it. STUB: the matrix engineer (issue 5) fills this in; the supervisor already calls it.
 */

export interface CpuQuota {
  /** True when quotas are really applied on this machine. */
  readonly active: boolean;
  /** Why quotas are not applied (said once to the user), when inactive. */
  readonly unavailableReason?: string;
  /** Put process `pid` under a CPU quota proportional to `memoryMb`. Never throws. */
  assign(pid: number, memoryMb: number): void;
  /** Forget `pid` (its process exited). Never throws. */
  release(pid: number): void;
  /** Remove whatever was created. Never throws. */
  close(): void;
}

/** Creates the quota controller; with `enabled` false (or no cgroups) it does nothing. */
export function createCpuQuota(enabled: boolean): CpuQuota {
  return {
    active: false,
    unavailableReason: enabled ? 'CPU quotas are not implemented yet' : 'CPU quotas are off',
    assign() {},
    release() {},
    close() {},
  };
}
