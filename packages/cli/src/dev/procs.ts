/**
 * Processes of the dev stack: each server leads its own process group (spawned detached), so
 * signals go to the group and reach its workers. A PID alone can be reused after a reboot or a
 * crash, so the state file also keeps each process's start time, and nothing is signalled
 * unless both still match.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** The kernel's start time of `pid` (/proc on Linux, `ps` elsewhere), or null when it is gone. */
export function startTime(pid: number): string | null {
  if (existsSync("/proc/self/stat")) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") return null; // a zombie has exited
      return fields[19] ?? null; // field 22 of proc(5): starttime, in clock ticks since boot
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return out || null;
  } catch {
    return null;
  }
}

/** Whether the process that was started as (pid, started) still runs. */
export function sameProcess(pid: number, started: string | null): boolean {
  const now = startTime(pid);
  return now !== null && (started === null || now === started);
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {}
}

/**
 * Live processes whose environment holds `NAME=value` (Linux; elsewhere none). Every process
 * of the stack carries MLGEN_DEV_HOME, so `down --force` finds them with no state file, and
 * `down` finds workers that left their group.
 */
export function processesWithEnv(name: string, value: string): number[] {
  if (!existsSync("/proc/self/environ")) return [];
  const marker = `\0${name}=${value}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!`\0${readFileSync(`/proc/${entry}/environ`, "latin1")}\0`.includes(marker)) continue;
      if (startTime(Number(entry)) !== null) found.push(Number(entry));
    } catch {}
  }
  return found;
}

/** Whether something already listens on 127.0.0.1:port (binding it fails). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => resolve(false));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
