/**
 * A file-system failure while writing is the user's error, with the fix for its cause: a full
 * disk is not fixed by writing "to a folder you own" (ENOSPC and EDQUOT cannot be made on
 * demand, so writeError is called with the error Node gives).
 */
import { describe, expect, it } from "vitest";
import { CliError } from "../src/io.js";
import { writeError } from "../src/write.js";

const failure = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

describe("writeError", () => {
  it.each([
    [
      "ENOSPC",
      "mlgen: cannot write dags/demo.py: the disk is full (ENOSPC)\n  fix: free space on that disk (df -h shows how much each has) and run it again, or write to a folder on another disk (--out, or out in mlgen.config.ts)",
    ],
    [
      "EDQUOT",
      "mlgen: cannot write dags/demo.py: the disk quota is exceeded (EDQUOT)\n  fix: free space within your disk quota (quota -s shows it) and run it again, or write to a folder outside it (--out, or out in mlgen.config.ts)",
    ],
    [
      "EROFS",
      "mlgen: cannot write dags/demo.py: the file system is read-only (EROFS)\n  fix: write to a folder on a file system mounted for writing (--out, or out in mlgen.config.ts)",
    ],
    [
      "EACCES",
      "mlgen: cannot write dags/demo.py: permission denied (EACCES)\n  fix: write to a folder you own (--out, or out in mlgen.config.ts), or fix what is in the way",
    ],
  ])("%s gives the fix for its cause", (code, message) => {
    const e = writeError(failure(code), "dags/demo.py");
    expect(e).toBeInstanceOf(CliError);
    expect(e.message).toBe(message);
  });

  it("leaves an error it does not know as it is (an internal error)", () => {
    const e = failure("EWHATEVER");
    expect(writeError(e, "dags/demo.py")).toBe(e);
  });
});
