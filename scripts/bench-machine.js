// What the benchmarks read of the machine they run on, shared by the scripts that time whole jobs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * CPU time the whole machine spent busy (user, nice, system, irq, softirq; not steal, which is
 * other tenants' work), in seconds: what a job costs the machine, steadier than wall time on a
 * noisy host. Null where /proc/stat does not exist.
 */
export function busyCpuSeconds() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq] = fields;
    return (user + nice + system + irq + softirq) / 100;
  } catch {
    return null;
  }
}

/**
 * Waits until the machine is quiet (under 15 % of its cores busy for a quarter second, or 5 s
 * at most): dockerd and containerd clean up after a job (leases, history, content GC), and
 * without this the next job, whichever variant it is, would pay for the previous one.
 */
export async function settle() {
  // The last job's files, written back now rather than during the next job.
  spawnSync('sync');
  const cores = availableParallelism();
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const before = busyCpuSeconds();
    await new Promise((done) => setTimeout(done, 250));
    const after = busyCpuSeconds();
    if (before === null || after === null || (after - before) / 0.25 / cores < 0.15) return;
  }
}
