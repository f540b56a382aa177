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
  for (const m of text.matchAll(LOCAL_PATH)) {
    const from = m.index ?? 0;
    out.push({ from, to: from + m[0].length, path: m[0] });
  }
  return out;
}
