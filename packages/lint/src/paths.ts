/**
 * Absolute paths on a developer's machine or a single host: home folders, temp folders, mounted
 * data disks, Windows drives. Paths that images conventionally provide (`/opt/airflow`, `/usr`),
 * URLs (`s3://bucket/data/...`) and regex anchors (`^/data/`) are not matched.
 */
const LOCAL_PATH =
  /(?<![\w:/.~$}^%*#-])(?:\/(?:Users|home|root|tmp|data|mnt|media|scratch|Volumes|private\/var\/folders|var\/folders)(?:\/[^\s'"`,;){}\]#]*)?(?=$|[\s'"`,;){}\]/#])|[A-Za-z]:\\[^\s'"`,;)}\]]*)/g;

/** Regex syntax in a match (`/home/[^/]+/`): a pattern over paths, not a path. */
const PATTERN = /\[\^|\(\?|\]\+|\]\*/;

/**
 * Shell commands that act on another machine's files: HDFS, a host reached over SSH, a pod or
 * container, a cloud CLI. A path in their segment of a command line is not the worker's.
 */
const REMOTE_COMMAND =
  /(?:^|[;&|\n("'`]|&&|\|\|)\s*(?:sudo\s+)?(?:hdfs|hadoop|ssh|kubectl|oc|docker\s+(?:exec|run)|gcloud|databricks|az|beeline|spark-submit\s+--deploy-mode\s+cluster)\b[^;&|\n]*/g;

/** The ranges of `text` that are remote commands' segments. */
function remoteSegments(text: string): [number, number][] {
  if (!/hdfs|hadoop|ssh|kubectl|oc |docker|gcloud|databricks|az |beeline|spark-submit/.test(text)) {
    return [];
  }
  const out: [number, number][] = [];
  REMOTE_COMMAND.lastIndex = 0;
  for (let m = REMOTE_COMMAND.exec(text); m; m = REMOTE_COMMAND.exec(text)) {
    out.push([m.index, m.index + m[0].length]);
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
 * In Python source, `B:\n` is a letter, a colon and a newline ("Grade B:\n"), not a drive: a
 * drive's backslash is written `\\`, or followed by a character that is no escape.
 */
const ESCAPE_AFTER_DRIVE = /^[A-Za-z]:\\[abfnrtvxuUN0-7'"]/;

/**
 * Every local absolute path in a text, with offsets. `escaped`: the text is a Python string
 * literal as written in the source, where a backslash may start an escape.
 */
export function localPaths(text: string, escaped = false): PathMatch[] {
  const out: PathMatch[] = [];
  // Every match starts with "/" or a drive's ":\"; most strings have neither. An exec loop on
  // the one regex: matchAll clones it on every call. (No match is empty, so none repeats.)
  if (!text.includes("/") && !text.includes(":\\")) return out;
  const remote = remoteSegments(text);
  LOCAL_PATH.lastIndex = 0;
  for (let m = LOCAL_PATH.exec(text); m; m = LOCAL_PATH.exec(text)) {
    if (SHARED_MOUNT.test(m[0]) || (escaped && ESCAPE_AFTER_DRIVE.test(m[0]))) continue;
    if (PATTERN.test(m[0])) continue;
    const at = m.index;
    if (remote.some(([from, to]) => at >= from && at < to)) continue;
    // The temp folder itself exists on every POSIX host (`dir="/tmp"`); a path under it
    // (`/tmp/x`, `"/tmp/" + name`, `/tmp/{{ ds }}`) is one host's.
    if (m[0] === "/tmp" && text[m.index + 4] !== "{" && text[m.index + 4] !== "$") continue;
    // In source, `/home/x/\"out\"` ends the path at the escape, not on its backslash.
    const path = escaped && m[0].startsWith("/") ? m[0].replace(/\\+$/, "") : m[0];
    out.push({ from: m.index, to: m.index + path.length, path });
  }
  return out;
}
