// A lint worker thread (started by lintPythonFiles): it loads only the linter, reads and lints
// the chunks of files it is sent and answers each with its results, in order.
import { parentPort, workerData } from "node:worker_threads";
import { lintPythonFile, projectModules, type WorkerReply, type WorkerRequest } from "./files.js";
import type { LintOptions } from "./lint.js";

const options = workerData as LintOptions;
// A worker lives for one run: the modules of the project it reads, each once.
const modules = projectModules();
const port = parentPort;
port?.on("message", (files: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { linted: files.map((f) => lintPythonFile(f, options, modules)) };
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
