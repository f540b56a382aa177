/**
 * Absolute paths on a developer's machine or a single host: home folders, temp folders, mounted
 * data disks, Windows drives. Paths that images conventionally provide (`/opt/airflow`, `/usr`),
 * URLs (`s3://bucket/data/...`) and regex anchors (`^/data/`) are not matched.
 */
const LOCAL_PATH =
  /(?<![\w:/.~$}^-])(?:\/(?:Users|home|root|tmp|data|mnt|media|scratch|Volumes|private\/var\/folders|var\/folders)(?:\/[^\s'"`,;){}\]]*)?(?=$|[\s'"`,;){}\]/])|[A-Za-z]:\\[^\s'"`,;)}\]]*)/g;

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
  LOCAL_PATH.lastIndex = 0;
  for (let m = LOCAL_PATH.exec(text); m; m = LOCAL_PATH.exec(text)) {
    if (SHARED_MOUNT.test(m[0]) || (escaped && ESCAPE_AFTER_DRIVE.test(m[0]))) continue;
    // The temp folder itself exists on every POSIX host (`dir="/tmp"`); a path under it
    // (`/tmp/x`, `"/tmp/" + name`, `/tmp/{{ ds }}`) is one host's.
    if (m[0] === "/tmp" && text[m.index + 4] !== "{" && text[m.index + 4] !== "$") continue;
    // In source, `/home/x/\"out\"` ends the path at the escape, not on its backslash.
    const path = escaped && m[0].startsWith("/") ? m[0].replace(/\\+$/, "") : m[0];
    out.push({ from: m.index, to: m.index + path.length, path });
  }
  return out;
}
