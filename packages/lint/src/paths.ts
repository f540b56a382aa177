/**
 * Absolute paths on a developer's machine or a single host: home folders, temp folders, mounted
 * data disks, Windows drives. Paths that images conventionally provide (`/opt/airflow`, `/usr`),
 * URLs (`s3://bucket/data/...`) and regex anchors (`^/data/`) are not matched; a `file://` URL
 * names a local path (`file:///tmp/mlruns`), so its path is.
 */
const LOCAL_PATH =
  /(?:(?<=\bfile:\/\/)|(?<![\w:/.~$}^%*#-]))(?:\/(?:Users|home|root|tmp|data|mnt|media|scratch|Volumes|private\/var\/folders|var\/folders)(?:\/[^\s'"`,;){}\]#]*)?(?=$|[\s'"`,;){}\]/#])|[A-Za-z]:\\[^\s'"`,;)}\]]*)/g;

/**
 * Where a shell command's operands are another machine's paths, each from the end of its match to
 * the end of the command (`;`, `&`, `|`, a redirect, a newline, or `\\n` in Python source):
 * HDFS listing and editing commands (not put, get and the like, which read or write the worker's
 * files), the remote command of `ssh host '...'` (after its options and host: an identity file is
 * local), and what `kubectl exec ... --` runs in the pod.
 */
const HDFS =
  /\b(?:hdfs\s+dfs|hdfs\s+fs|hadoop\s+fs)\s+-(?!(?:put|copyFromLocal|moveFromLocal|get|copyToLocal|moveToLocal|appendToFile|getmerge)\b)\w+/g;
const KUBECTL_EXEC = /\bkubectl\s+exec\b[^;&|<>\n]*?\s--\s/g;
const SSH = /(?<![\w-])ssh(?=\s)/g;
/** ssh options that take a value (the next word). */
const SSH_VALUE_OPTION = /^-[BbcDEeFIiJLlmOopQRSWw]$/;
const SEGMENT_END = /[;&|<>\n]|\\n/g;

/** The ranges of `text` that hold another machine's paths. */
function remoteRanges(text: string): [number, number][] {
  if (!/hdfs|hadoop|ssh|kubectl/.test(text)) return [];
  const out: [number, number][] = [];
  const endOf = (from: number) => {
    SEGMENT_END.lastIndex = from;
    const m = SEGMENT_END.exec(text);
    return m ? m.index : text.length;
  };
  for (const re of [HDFS, KUBECTL_EXEC]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const from = m.index + m[0].length;
      out.push([from, endOf(from)]);
    }
  }
  SSH.lastIndex = 0;
  for (let m = SSH.exec(text); m; m = SSH.exec(text)) {
    const end = endOf(m.index);
    // Options (and their values), then the host; the rest of the command runs there.
    const word = /\S+/g;
    word.lastIndex = m.index + 3;
    let takesValue = false;
    for (let w = word.exec(text); w && w.index < end; w = word.exec(text)) {
      if (takesValue) takesValue = false;
      else if (SSH_VALUE_OPTION.test(w[0])) takesValue = true;
      else if (!w[0].startsWith("-")) {
        out.push([w.index + w[0].length, end]);
        break;
      }
    }
  }
  return out;
}

export interface PathMatch {
  readonly from: number;
  readonly to: number;
  readonly path: string;
}

/**
 * Cloud Composer mounts the environment's bucket at /home/airflow/gcs on every worker (its
 * documented place for data and scripts): not one host's path.
 */
const SHARED_MOUNT = /^\/home\/airflow\/gcs(?:\/|$)/;

/**
 * Paths every worker has: the home folder of the official apache/airflow image's user
 * (`HOME=/home/airflow`), and a mktemp template (`/tmp/job.XXXXXX`: at least three X at the end
 * of the name), which names a fresh folder made on the worker that runs the task.
 */
const WORKER_PATH = /^\/home\/airflow\/?$|^\/[^\s]*X{3,}\/?$/;

/**
 * In Python source, `B:\n` is a letter, a colon and a newline ("Grade B:\n"), not a drive: a
 * drive's backslash is written `\\`, or followed by a character that is no escape.
 */
const ESCAPE_AFTER_DRIVE = /^[A-Za-z]:\\[abfnrtvxuUN0-7'"]/;

/** Characters a path goes on with (those LOCAL_PATH takes after the first folder). */
const PATH_CHARS = /[^\s'"`,;(){}\]#]*/y;
/** A group that stands for part of a path (`{{ ds }}`, `{run}`, `${RUN_ID}`, `$(date +%s)`). */
const GROUP_OPEN = /\{\{|\{|\$\{|\$\(/y;
const GROUP_CLOSE: Record<string, string> = { "{{": "}}", "{": "}", "${": "}", "$(": ")" };

/**
 * Where a path that LOCAL_PATH matched up to `end` really ends: a Jinja expression, a
 * format field or a shell substitution inside it (`/tmp/{{ ds }}/out.csv`, `/tmp/{run}.csv`,
 * `/data/${RUN_ID}/x`, `/tmp/$(date +%s).json`) is part of it, and so are the path's characters
 * after one. A group that does not close on the same line ends the path where it opens.
 */
function pathEnd(text: string, from: number, end: number): number {
  // LOCAL_PATH stops at a space or a parenthesis: `$(date +%s)` was cut after `$(date`.
  const sub = text.lastIndexOf("$(", end - 1);
  let at = sub >= from && text.indexOf(")", sub) > end - 1 ? sub : end;
  for (let groups = 0; groups < 8; groups++) {
    GROUP_OPEN.lastIndex = at;
    const open = GROUP_OPEN.exec(text)?.[0];
    if (open === undefined) break;
    const close = text.indexOf(GROUP_CLOSE[open] as string, at + open.length);
    const line = text.indexOf("\n", at);
    if (close === -1 || (line !== -1 && line < close)) break;
    PATH_CHARS.lastIndex = close + (GROUP_CLOSE[open] as string).length;
    PATH_CHARS.exec(text);
    at = PATH_CHARS.lastIndex;
  }
  return Math.max(at, end);
}

/**
 * Every local absolute path in a text, with offsets. `escaped`: the text is a Python string
 * literal as written in the source, where a backslash may start an escape.
 */
export function localPaths(text: string, escaped = false): PathMatch[] {
  const out: PathMatch[] = [];
  // Every match starts with "/" or a drive's ":\"; most strings have neither. An exec loop on
  // the one regex: matchAll clones it on every call. (No match is empty, so none repeats.)
  if (!text.includes("/") && !text.includes(":\\")) return out;
  const remote = remoteRanges(text);
  LOCAL_PATH.lastIndex = 0;
  for (let m = LOCAL_PATH.exec(text); m; m = LOCAL_PATH.exec(text)) {
    if (SHARED_MOUNT.test(m[0]) || WORKER_PATH.test(m[0])) continue;
    if (escaped && ESCAPE_AFTER_DRIVE.test(m[0])) continue;
    const at = m.index;
    // Regex syntax (`/home/[^/]+/`, `/data/[0-9]+\.csv`): a pattern over paths, not a path.
    const after = text.slice(at + m[0].length, at + m[0].length + 2);
    if (/\[\^|\(\?/.test(m[0]) || (m[0].includes("[") && /^\][+*?{]/.test(after))) continue;
    if (remote.some(([from, to]) => at >= from && at < to)) continue;
    // The temp folder itself exists on every POSIX host (`dir="/tmp"`); a path under it
    // (`/tmp/x`, `"/tmp/" + name`, `/tmp/{{ ds }}`) is one host's.
    if (m[0] === "/tmp" && text[m.index + 4] !== "{" && text[m.index + 4] !== "$") continue;
    // In source, `/home/x/\"out\"` ends the path at the escape, not on its backslash.
    const matched = escaped && m[0].startsWith("/") ? m[0].replace(/\\+$/, "") : m[0];
    const to =
      matched === m[0] && matched.startsWith("/")
        ? pathEnd(text, m.index, m.index + matched.length)
        : m.index + matched.length;
    out.push({ from: m.index, to, path: text.slice(m.index, to) });
    // The regex goes on from the path's end, not from inside what the path now takes in.
    LOCAL_PATH.lastIndex = Math.max(LOCAL_PATH.lastIndex, to);
  }
  return out;
}
