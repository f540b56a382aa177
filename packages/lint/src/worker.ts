// A lint worker thread (started by lintPythonFiles): it loads only the linter, reads and lints
// the chunks of files it is sent and answers each with its results, in order.
import { parentPort, workerData } from "node:worker_threads";
import { lintPythonFile, type WorkerReply, type WorkerRequest } from "./files.js";
import type { LintOptions } from "./lint.js";

const options = workerData as LintOptions;
const port = parentPort;
port?.on("message", (files: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { linted: files.map((f) => lintPythonFile(f, options)) };
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
