import { readdirSync, readFileSync } from 'node:fs';

/** Linux /proc readers for the benchmark: memory and CPU time of another process. */

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux build

export interface MemorySample {
  rssBytes: number;
  hwmBytes: number;
}

export function readMemory(pid: number): MemorySample | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/** utime + stime from a /proc stat line, in seconds. The comm field may contain spaces, so parse after ')'. */
function cpuOfStatLine(line: string): { comm: string; seconds: number } {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  const fields = line.slice(close + 2).split(' ');
  // After ')': state(3) ppid(4) ... utime(14) stime(15) → indexes 11 and 12 here.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { comm: line.slice(open + 1, close), seconds: ticks / TICKS_PER_SECOND };
}

/** Total CPU seconds (user + system, all threads) of a live process; 0 once it is gone. */
export function readCpuSeconds(pid: number): number {
  try {
    return cpuOfStatLine(readFileSync(`/proc/${pid}/stat`, 'utf8')).seconds;
  } catch {
    return 0;
  }
}

/** CPU seconds per thread name (e.g. the main `node` thread vs `libuv-worker` zlib/fs threads). */
export function readThreadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const { comm, seconds } = cpuOfStatLine(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      const name = tid === String(pid) ? `${comm} (main)` : comm;
      out[name] = (out[name] ?? 0) + seconds;
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}
