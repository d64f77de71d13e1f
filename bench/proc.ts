/**
 * Readings from /proc (Linux): CPU time and memory of another process, and the CPUs this process may
 * run on. CPU time is what the benchmark compares: on a shared 2-core machine requests/s moves with
 * whatever else runs, while the CPU a process spends per request barely does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, almost always 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    let value = Number.NaN;
    try {
      value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      // getconf missing: Linux has used 100 on every common architecture for decades.
    }
    ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/**
 * utime + stime of the whole process (every thread: main, GC, libuv pool), in clock ticks: fields 14
 * and 15 of /proc/<pid>/stat. A tick is 10 ms, so a window should hold well over a second of CPU.
 */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (the command name) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  return Number(fields[14 - 3]) + Number(fields[15 - 3]);
}

export interface Memory {
  /** Resident set size now (VmRSS), in kB. */
  rssKb: number;
  /** Peak resident set size over the process's life (VmHWM), in kB. */
  hwmKb: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** Samples VmRSS every `intervalMs` until stopped; returns the largest value seen, in kB. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = 0;
  const read = (): void => {
    try {
      peak = Math.max(peak, memory(pid).rssKb);
    } catch {
      // The process is gone; the window will fail on its own.
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

/** The CPUs this process may run on (`Cpus_allowed_list` of /proc/self/status), e.g. [0, 1]. */
export function allowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
    const cpus: number[] = [];
    for (const part of list.split(',')) {
      const [from, to] = part.split('-').map(Number);
      if (from === undefined || !Number.isInteger(from)) continue;
      for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
    }
    return cpus;
  } catch {
    return [];
  }
}
