/**
 * Absolute paths on a developer's machine or a single host: home folders, temp folders, mounted
 * data disks, Windows drives. Paths that images conventionally provide (`/opt/airflow`, `/usr`)
 * and URLs (`s3://bucket/data/...`) are not matched.
 */
const LOCAL_PATH =
  /(?<![\w:/.~$}-])(?:\/(?:Users|home|root|tmp|data|mnt|media|scratch|Volumes|private\/var\/folders|var\/folders)(?:\/[^\s'"`,;){}\]]*)?(?=$|[\s'"`,;){}\]/])|[A-Za-z]:\\[^\s'"`,;)}\]]*)/g;

export interface PathMatch {
  readonly from: number;
  readonly to: number;
  readonly path: string;
}

/** Every local absolute path in a text, with offsets. */
export function localPaths(text: string): PathMatch[] {
  const out: PathMatch[] = [];
  // Every match starts with "/" or a drive's ":\"; most strings have neither. An exec loop on
  // the one regex: matchAll clones it on every call. (No match is empty, so none repeats.)
  if (!text.includes("/") && !text.includes(":\\")) return out;
  LOCAL_PATH.lastIndex = 0;
  for (let m = LOCAL_PATH.exec(text); m; m = LOCAL_PATH.exec(text)) {
    out.push({ from: m.index, to: m.index + m[0].length, path: m[0] });
  }
  return out;
}
