/**
 * The managed venv of `mlgen dev`: the Airflow and MLflow pinned in dev/requirements.lock (the
 * versions mlgen's own tests run), built once per lock and shared by every project of the user.
 *
 * A finished venv carries the sha256 of what was installed (lock plus the user's requirements
 * file) in `.mlgen-installed`; anything else — a missing or different stamp — means the last
 * build stopped halfway or the pins changed, and the next `up` resumes it: `uv pip sync` (or
 * pip) installs only what is missing. uv is used when it is on PATH (fast, and its cache makes
 * a second venv take seconds); otherwise the standard `venv` module and pip.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, type CliIO } from "../io.js";
import { shown } from "./state.js";

/** packages/cli/dev/requirements.lock, from src/dev or dist/dev alike. */
export const DEV_LOCK = fileURLToPath(new URL("../../dev/requirements.lock", import.meta.url));
const STAMP = ".mlgen-installed";
/** Written when mlgen creates a venv, before installing: the venv is mlgen's to resume or redo. */
const OWNED = ".mlgen-dev-venv";

export function pinned(name: string): string | undefined {
  const m = new RegExp(`^${name}==(\\S+)$`, "m").exec(readFileSync(DEV_LOCK, "utf8"));
  return m?.[1];
}

export function defaultVenv(io: CliIO): string {
  if (io.env.MLGEN_DEV_VENV) return resolve(io.cwd, io.env.MLGEN_DEV_VENV);
  const cache = io.env.XDG_CACHE_HOME || join(io.env.HOME || homedir(), ".cache");
  const hash = createHash("sha256").update(readFileSync(DEV_LOCK)).digest("hex").slice(0, 12);
  return join(cache, "mlgen", `dev-venv-${hash}`);
}

export const venvBin = (venv: string, name: string) => join(venv, "bin", name);

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.status === 0;
}

/** The Python the venv is made from: the one asked for, else 3.11 (what the lock is for), 3.12, 3.10, python3. */
function basePython(asked: string | undefined): string {
  const candidates = asked ? [asked] : ["python3.11", "python3.12", "python3.10", "python3"];
  for (const c of candidates) {
    const r = spawnSync(c, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], {
      encoding: "utf8",
    });
    const version = /^(\d+)\.(\d+)$/.exec((r.stdout ?? "").trim());
    if (r.status === 0 && version) {
      const [major, minor] = [Number(version[1]), Number(version[2])];
      if (major === 3 && minor >= 10 && minor <= 13) return c;
      if (asked) {
        throw new CliError(
          `mlgen dev: --python ${asked} is Python ${major}.${minor}; Airflow ${pinned("apache-airflow")} needs 3.10 to 3.13\n  fix: pass --python python3.11`,
          2,
        );
      }
    } else if (asked && r.error === undefined) {
      // It ran, and is no Python 3 (a shell, `true`, a Python 2): no version to show.
      throw new CliError(
        `mlgen dev: --python ${asked} is not a Python 3 interpreter (\`${asked} -c 'import sys; ...'\` ${r.status === 0 ? "printed no version" : `exited ${r.status}`})\n  fix: pass a Python 3.10 to 3.13, such as --python python3.11`,
        2,
      );
    }
  }
  if (asked) {
    // A path is looked for there, a bare name on PATH.
    throw new CliError(
      asked.includes("/")
        ? `mlgen dev: --python ${asked}: no such file, or not executable\n  fix: pass the path of a Python 3.10 to 3.13 (which python3.11 prints it), or a name on PATH such as python3.11`
        : `mlgen dev: --python ${asked}: not found on PATH\n  fix: install Python 3.11, or pass --python /path/to/python3.11`,
      2,
    );
  }
  throw new CliError(
    "mlgen dev: no Python 3.10 to 3.13 found on PATH\n  fix: install Python 3.11 (or pass --python /path/to/python3.11)",
  );
}

/**
 * The flags of the venv, checked before anything else runs (the compile, the install): a
 * Python that is none or too old, a requirements file that is not there. Usage errors.
 */
export function checkVenvFlags(io: CliIO, options: VenvOptions): void {
  if (options.requirements && !existsSync(resolve(io.cwd, options.requirements))) {
    throw new CliError(
      `mlgen dev: --requirements ${options.requirements}: no such file\n  fix: pass a pip requirements file (one package per line)`,
      2,
    );
  }
  if (options.python) basePython(options.python);
}

/** Runs a step of the build, forwarding its output line by line, with a heartbeat when quiet. */
function step(io: CliIO, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const t0 = Date.now();
    let last = Date.now();
    const show = (line: string) => {
      // uv and pip list every package installed: 175 lines that say nothing new.
      if (!line.trim() || /^\s*[+-] \S+==/.test(line)) return;
      io.stderr(`  ${line.trimEnd()}\n`);
      last = Date.now();
    };
    // Whole lines only: a chunk can end in the middle of one.
    const lines = () => {
      let partial = "";
      return (chunk: Buffer) => {
        const parts = (partial + chunk.toString("utf8")).split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) show(line);
      };
    };
    child.stdout.on("data", lines());
    child.stderr.on("data", lines());
    const heartbeat = setInterval(() => {
      if (Date.now() - last >= 15_000) {
        io.stderr(`  still installing (${Math.round((Date.now() - t0) / 1000)} s)…\n`);
        last = Date.now();
      }
    }, 5_000);
    child.once("error", () => {
      clearInterval(heartbeat);
      done(127);
    });
    child.once("close", (code) => {
      clearInterval(heartbeat);
      done(code ?? 1);
    });
  });
}

export interface VenvOptions {
  readonly python?: string;
  /** A pip requirements file of the user's task packages, installed on top of the lock. */
  readonly requirements?: string;
}

/** Makes `venv` hold exactly what the lock (and the user's requirements) say; fast when it does. */
export async function ensureVenv(
  io: CliIO,
  venv: string,
  options: VenvOptions = {},
): Promise<void> {
  const hash = createHash("sha256").update(readFileSync(DEV_LOCK));
  let requirements: string | undefined;
  if (options.requirements) {
    checkVenvFlags(io, { requirements: options.requirements });
    requirements = resolve(io.cwd, options.requirements);
    hash.update(readFileSync(requirements));
  }
  const want = hash.digest("hex");
  const stamp = join(venv, STAMP);
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === want) return;

  const python = venvBin(venv, "python");
  const where = shown(io, venv);
  // A folder mlgen did not make is never removed nor synced (uv pip sync uninstalls what the
  // lock does not list): a --venv or MLGEN_DEV_VENV naming a project's own venv, or a typo.
  const own = defaultVenv({ ...io, env: { ...io.env, MLGEN_DEV_VENV: "" } });
  // mlgen's own cache folder is its own whatever it holds (a creation cut short by Ctrl-C, an
  // older mlgen's unfinished venv); another folder only with mlgen's mark in it.
  const ours = existsSync(stamp) || existsSync(join(venv, OWNED)) || venv === own;
  if (existsSync(venv) && !statSync(venv).isDirectory()) {
    throw new CliError(
      `mlgen dev: ${where} is a file, not a folder; nothing was changed\n  fix: pass --venv (or MLGEN_DEV_VENV) a new or empty folder`,
    );
  }
  if (!ours && existsSync(venv) && readdirSync(venv).length > 0) {
    throw new CliError(
      `mlgen dev: ${where} holds files mlgen did not put there (no ${OWNED} in it: it is not a venv \`mlgen dev\` made), and mlgen dev installs the pinned Airflow and MLflow into a venv of its own, removing what its lock does not list; nothing was changed\n  fix: pass --venv (or MLGEN_DEV_VENV) a new or empty folder, or leave both unset for mlgen's own (${shown(io, own)})`,
    );
  }
  const usable = ours && existsSync(python) && has(python, ["-c", "import sys"]);
  const what = `Airflow ${pinned("apache-airflow")} and MLflow ${pinned("mlflow")}`;
  if (existsSync(stamp)) io.stderr(`mlgen dev: updating ${where} to the pinned ${what}…\n`);
  else if (ours && existsSync(venv)) {
    io.stderr(
      `mlgen dev: resuming the venv at ${where}, which an earlier run left unfinished; installing what is missing of ${what}…\n`,
    );
  } else {
    io.stderr(
      `mlgen dev: installing ${what} into ${where} (once; a few minutes the first time)…\n`,
    );
  }
  const uv = has("uv", ["--version"]);
  const env = { ...process.env, VIRTUAL_ENV: venv };
  if (!usable) {
    // A venv without a working python cannot be repaired in place.
    rmSync(venv, { recursive: true, force: true });
    const base = basePython(options.python);
    const code = uv
      ? await step(io, "uv", ["venv", "--quiet", "--python", base, venv], env)
      : await step(io, base, ["-m", "venv", venv], env);
    if (code !== 0) {
      throw new CliError(
        `mlgen dev: could not create a venv at ${where} with ${base} (exit ${code})\n  fix: check that ${base} has the venv module (Debian: apt install python3-venv), or pass --python`,
      );
    }
    writeFileSync(join(venv, OWNED), "made by mlgen dev: it may remove and rebuild this folder\n");
  }
  const installs: [string, string[]][] = uv
    ? [["uv", ["pip", "sync", "--python", python, DEV_LOCK]]]
    : [[python, ["-m", "pip", "install", "--progress-bar", "off", "-r", DEV_LOCK]]];
  if (requirements) {
    installs.push(
      uv
        ? ["uv", ["pip", "install", "--python", python, "-r", requirements]]
        : [python, ["-m", "pip", "install", "--progress-bar", "off", "-r", requirements]],
    );
  }
  for (const [cmd, args] of installs) {
    const code = await step(io, cmd, args, env);
    if (code !== 0) {
      throw new CliError(
        `mlgen dev: installing into ${where} failed (exit ${code}; its output is above)\n  fix: check that PyPI is reachable (or your pip index settings), then run \`mlgen dev up\` again: it resumes where this stopped`,
      );
    }
  }
  writeFileSync(stamp, `${want}\n`);
  io.stderr(`mlgen dev: ${what} ready in ${where}\n`);
}
