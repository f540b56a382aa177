import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { lintPythonFile, lintPythonFiles, type PythonFile } from "../src/files.js";
import { lintPythonSource } from "../src/lint.js";
import { loadPythonSyntaxCheck } from "../src/python/syntax.js";

const CORPUS = resolve(import.meta.dirname, "../../../test/lint-corpus/dags");
const DIST = resolve(import.meta.dirname, "../dist/index.js");

/** The labeled corpus under two folder names: enough files for worker threads. */
function corpusTwice(): PythonFile[] {
  const names = readdirSync(CORPUS).filter((n) => n.endsWith(".py"));
  return ["a", "b"].flatMap((dir) =>
    names.map((n) => ({ file: `${dir}/${n}`, path: join(CORPUS, n) })),
  );
}

/**
 * The corpus linted twice defines every DAG id twice: the checks across files are off where a
 * run is compared with a loop over single files, which cannot see them (tested on their own below).
 */
const OPTIONS = {
  rules: {
    "missing-retries": "off",
    "duplicate-dag-id": "off",
    "external-schedule-mismatch": "off",
    "external-task-missing": "off",
    "trigger-conf": "off",
    "missing-dag": "off",
  },
} as const;

/**
 * What a one-thread loop over lintPythonFile gives, per file (syntax check loaded); for the
 * files that name no template file, what lintPythonSource gives too.
 */
async function expected(
  files: readonly PythonFile[],
  lint = lintPythonFile,
  load = loadPythonSyntaxCheck,
  source = lintPythonSource,
) {
  await load();
  return files.map((f) => {
    const one = lint(f, OPTIONS);
    if (!one.templatesRead) {
      const text = readFileSync(f.path, "utf8");
      const findings = source(f.file, text, OPTIONS);
      expect(one).toEqual({
        file: f.file,
        findings,
        source: findings.length > 0 ? text : null,
        syntaxUnchecked: false,
      });
    }
    return one;
  });
}

describe("duplicate-dag-id, across the files of a run", () => {
  const write = (dir: string, name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return { file: name, path: join(dir, name) };
  };
  const dag = (id: string, how: "with" | "decorated" | "uncalled" = "with") =>
    how === "with"
      ? `from airflow.sdk import DAG\n\nwith DAG(dag_id="${id}", schedule=None):\n    pass\n`
      : `from airflow.sdk import dag\n\n\n@dag(schedule=None)\ndef ${id}():\n    pass\n${how === "decorated" ? `\n\n${id}()\n` : ""}`;

  it("reports a DAG id in each file that defines it, naming another; not an uncalled @dag, not a suppressed one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-dup-"));
    try {
      const files = [
        write(dir, "a.py", dag("sales")),
        write(dir, "b.py", dag("sales", "decorated")),
        write(dir, "c.py", dag("sales", "uncalled")),
        write(
          dir,
          "d.py",
          `${dag("sales")}`.replace('"sales",', '"sales",  # mlgen: disable=duplicate-dag-id'),
        ),
        write(dir, "e.py", dag("orders")),
        write(dir, "f.py", dag("sales")),
      ];
      const rules = { "missing-retries": "off", "no-failure-alert": "off" } as const;
      const linted = await lintPythonFiles(files, { rules }, 0);
      const shown = linted.map((r) =>
        r.findings
          .filter((f) => f.ruleId === "duplicate-dag-id")
          .map((f) => `${f.line} ${f.message.split(":")[0]}`),
      );
      expect(shown).toEqual([
        ["3 DAG id 'sales' is also defined in b.py"],
        ["4 DAG id 'sales' is also defined in a.py"],
        [],
        [],
        [],
        ["3 DAG id 'sales' is also defined in a.py"],
      ]);
      // Two more files than the one named: said so.
      expect(linted[0]?.findings[0]?.message).toContain("b.py:4 (and 1 more file)");
      // The text of a file whose only finding this is, for its code frame.
      expect(linted[5]?.source).toContain('dag_id="sales"');
      // Off, it is computed for no file (nor is what the other check across files needs).
      const off = await lintPythonFiles(
        files,
        {
          rules: {
            ...rules,
            "duplicate-dag-id": "off",
            "external-schedule-mismatch": "off",
            "external-task-missing": "off",
            "trigger-conf": "off",
            "missing-dag": "off",
          },
        },
        0,
      );
      expect(off.every((r) => r.across === undefined)).toBe(true);
      expect(off.flatMap((r) => r.findings).filter((f) => f.ruleId === "duplicate-dag-id")).toEqual(
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds the same across worker threads as in one thread (the corpus twice: every id in two files)", async () => {
    const files = corpusTwice();
    const rules = { "missing-retries": "off" } as const;
    const one = await lintPythonFiles(files, { rules }, 0);
    const dup = (r: (typeof one)[number]) =>
      r.findings.filter((f) => f.ruleId === "duplicate-dag-id");
    const half = files.length / 2;
    // Each file's DAGs with literal ids: reported in its a/ and b/ copies alike.
    for (let i = 0; i < half; i++) {
      expect(dup(one[i] as (typeof one)[number]).length).toBe(
        dup(one[i + half] as (typeof one)[number]).length,
      );
    }
    expect(one.reduce((n, r) => n + dup(r).length, 0)).toBeGreaterThan(100);
  });
});

describe("external-schedule-mismatch, across the files of a run", () => {
  const HEAD = `import pendulum
from datetime import timedelta
from airflow.sdk import DAG
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
`;
  const target = (id: string, schedule: string) =>
    `${HEAD}\nwith DAG("${id}", schedule="${schedule}", start_date=pendulum.datetime(2025, 1, 1)):\n    pass\n`;
  const sensor = (waitsFor: string, extra = "") =>
    `${HEAD}\nwith DAG("train_${waitsFor}", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1)):\n    ExternalTaskSensor(task_id="wait", external_dag_id="${waitsFor}"${extra})\n`;

  it("judges a sensor against the DAG of another file; not one defined twice, not a suppressed one, not a DAG no file defines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-ext-"));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return { file: name, path: join(dir, name) };
    };
    try {
      const files = [
        write("features.py", target("features", "0 2 * * *")),
        write("aligned.py", target("aligned", "0 0 * * *")),
        write("twice_a.py", target("twice", "0 3 * * *")),
        write("twice_b.py", target("twice", "0 3 * * *")),
        write("s1.py", sensor("features")),
        write("s2.py", sensor("features", ", execution_delta=timedelta(hours=22)")),
        write("s3.py", sensor("aligned")),
        write("s4.py", sensor("twice")),
        write("s5.py", sensor("nowhere")),
        write(
          "s6.py",
          sensor("features").replace(
            'task_id="wait",',
            'task_id="wait",  # mlgen: disable=external-schedule-mismatch\n       ',
          ),
        ),
      ];
      const rules = { "missing-retries": "off", "no-failure-alert": "off" } as const;
      const shown = async (workers: number) =>
        (await lintPythonFiles(files, { rules }, workers)).map((r) =>
          r.findings
            .filter((f) => f.ruleId === "external-schedule-mismatch")
            .map((f) => `${f.line}:${f.column} ${f.fix}`),
        );
      const want = [
        [],
        [],
        [],
        [],
        [
          "7:5 pass execution_delta=timedelta(hours=22): each run then waits for the run of 'features' 22 hours before its own logical date; or give both DAGs the same schedule",
        ],
        [],
        [],
        [],
        [],
        [],
      ];
      expect(await shown(0)).toEqual(want);
      // The same when a worker thread lints some of the files (what it needs crosses threads).
      expect(await shown(1)).toEqual(want);
      // Off: nothing is computed for it, and nothing is reported.
      const off = await lintPythonFiles(
        files,
        {
          rules: {
            ...rules,
            "external-schedule-mismatch": "off",
            "duplicate-dag-id": "off",
            "external-task-missing": "off",
            "trigger-conf": "off",
            "missing-dag": "off",
          },
        },
        0,
      );
      expect(off.every((r) => r.across === undefined)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("external-task-missing, across the files of a run", () => {
  const HEAD = `import pendulum
from airflow.sdk import DAG, TaskGroup
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
`;
  const target = (id: string, extra = "") =>
    `${HEAD}${extra}\nwith DAG("${id}", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1)):\n    with TaskGroup("build"):\n        EmptyOperator(task_id="join")\n`;
  const sensor = (waitsFor: string, task: string, comment = "") =>
    `${HEAD}\nwith DAG("train_${waitsFor}_${task.replace(".", "_")}", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1)):\n    ExternalTaskSensor(task_id="wait", external_dag_id="${waitsFor}", external_task_id="${task}")${comment}\n`;

  it("judges a sensor against the DAG of another file; not one defined twice, not one whose file hides tasks, not a suppressed one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-ext-task-"));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return { file: name, path: join(dir, name) };
    };
    try {
      const files = [
        write("features.py", target("features")),
        write("twice_a.py", target("twice")),
        write("twice_b.py", target("twice")),
        write("hidden.py", target("hidden", "from common import more_tasks\nmore_tasks()\n")),
        write("s1.py", sensor("features", "join")),
        write("s2.py", sensor("features", "build.join")),
        write("s3.py", sensor("twice", "join")),
        write("s4.py", sensor("hidden", "join")),
        write("s5.py", sensor("nowhere", "join")),
        write("s6.py", sensor("features", "join", "  # mlgen: disable=external-task-missing")),
      ];
      const rules = { "missing-retries": "off", "no-failure-alert": "off" } as const;
      const shown = async (workers: number) =>
        (await lintPythonFiles(files, { rules }, workers)).map((r) =>
          r.findings
            .filter((f) => f.ruleId === "external-task-missing")
            .map((f) => `${f.line}:${f.column} ${f.fix}`),
        );
      const want = [
        [],
        [],
        [],
        [],
        [
          "7:85 pass external_task_id='build.join': inside a task group, a task's id starts with the group's ('build.')",
        ],
        [],
        [],
        [],
        [],
        [],
      ];
      expect(await shown(0)).toEqual(want);
      // The same when a worker thread lints some of the files (what it needs crosses threads).
      expect(await shown(1)).toEqual(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("trigger-conf, across the files of a run", () => {
  const HEAD = `import pendulum
from airflow.sdk import DAG, Param, task
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
`;
  const target = (id: string, extra = "") =>
    `${HEAD}\nwith DAG("${id}", schedule=None, start_date=pendulum.datetime(2025, 1, 1), params={"learning_rate": Param(0.1, type="number"), "epochs": 3}):\n\n    @task\n    def fit(params=None):\n        print(params["learning_rate"])${extra}\n\n    fit()\n`;
  const trigger = (id: string, conf: string, comment = "") =>
    `${HEAD}\nwith DAG("kick_${id}_${Math.abs(conf.length)}", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):\n    TriggerDagRunOperator(task_id="kick", trigger_dag_id="${id}", conf=${conf})${comment}\n`;

  it("judges a trigger's conf keys against the params of another file's DAG; not one defined twice, not one that reads dag_run.conf, not a suppressed one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-trigger-conf-"));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return { file: name, path: join(dir, name) };
    };
    try {
      const files = [
        write("retrain.py", target("retrain")),
        write("twice_a.py", target("twice")),
        write("twice_b.py", target("twice")),
        write("raw.py", target("raw", '\n        print(get_current_context()["dag_run"].conf)')),
        write(
          "t1.py",
          trigger("retrain", '{"learning_rte": 0.5, "epochs": 1, "unrelated_flag": 1}'),
        ),
        write("t2.py", trigger("retrain", '{"learning_rate": 0.5}')),
        write("t3.py", trigger("twice", '{"learning_rte": 0.5}')),
        write("t4.py", trigger("raw", '{"learning_rte": 0.5}')),
        write("t5.py", trigger("retrain", '{"epoch": 5}', "  # mlgen: disable=trigger-conf")),
      ];
      const rules = { "missing-retries": "off", "no-failure-alert": "off" } as const;
      const shown = async (workers: number) =>
        (await lintPythonFiles(files, { rules }, workers)).map((r) =>
          r.findings
            .filter((f) => f.ruleId === "trigger-conf")
            .map((f) => `${f.line}:${f.column} ${f.fix}`),
        );
      const want = [
        [],
        [],
        [],
        [],
        ["6:75 did you mean 'learning_rate'? Name the key as DAG 'retrain' names its param"],
        [],
        [],
        [],
        [],
      ];
      expect(await shown(0)).toEqual(want);
      // The same when a worker thread lints some of the files (what it needs crosses threads).
      expect(await shown(1)).toEqual(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("missing-dag, across the files of a run", () => {
  const HEAD = `import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
`;
  const target = (id: string) =>
    `${HEAD}\nwith DAG("${id}", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):\n    EmptyOperator(task_id="go")\n`;
  const trigger = (name: string, id: string, comment = "") =>
    `${HEAD}\nwith DAG("${name}", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):\n    TriggerDagRunOperator(task_id="kick", trigger_dag_id="${id}")${comment}\n`;
  const rules = { "missing-retries": "off", "no-failure-alert": "off" } as const;

  it("judges a DAG id against every file of a folder run; not in a run of some files, nor when a file may define DAGs it does not show", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-missing-dag-"));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return { file: name, path: join(dir, name) };
    };
    try {
      const files = [
        write("deploy.py", target("deploy_model")),
        write("t1.py", trigger("retrain", "deploy_modle")),
        write("t2.py", trigger("retrain_2", "deploy_model")),
        write("t3.py", trigger("retrain_3", "deploy_modle", "  # mlgen: disable=missing-dag")),
        // Helpers Airflow never parses, or that make no DAG, hide nothing.
        write("util.py", 'import json\nSETTINGS = json.loads("{}")\n'),
        write(
          "common.py",
          "from airflow.sdk import Variable\n\ndef dag_owner():\n    return Variable.get('owner')\n",
        ),
      ];
      // What Airflow's own safe mode would not parse defines no DAG, and hides nothing.
      files.push(
        write("notes.py", "from company.dags import create_dag\ncreate_dag('deploy_modle')\n"),
      );
      // Worker threads run the built module (from source there is none to start, and a run
      // asked for threads takes none): through it when it is built, as CI builds it first.
      const lint = existsSync(DIST)
        ? ((await import(pathToFileURL(DIST).href)) as typeof import("../src/index.js"))
            .lintPythonFiles
        : lintPythonFiles;
      const findings = async (list: typeof files, dagFolder: boolean, workers = 0) =>
        (await lint(list, { rules, dagFolder }, workers)).map((r) =>
          r.findings
            .filter((f) => f.ruleId === "missing-dag")
            .map((f) => `${f.line}:${f.column} ${f.message.split(":")[0]} | ${f.fix}`),
        );
      const said =
        "7:58 task 'kick' triggers DAG 'deploy_modle', which no linted file defines | name 'deploy_model', the DAG id closest to it in the linted files; if 'deploy_modle' is defined where this run did not look (another DAG folder or bundle), lint that folder too or silence the finding there";
      const want = [[], [said], [], [], [], [], []];
      expect(await findings(files, true)).toEqual(want);
      // The same when a worker thread lints some of the files (a hidden file there too).
      expect(await findings(files, true, 1)).toEqual(want);
      expect(
        await findings(
          [
            ...files,
            write(
              "loop2.py",
              // An id held by the loop's variable (an f-string's would be a pattern, d_*).
              `${HEAD}\nfor r in ["d_eu"]:\n    with DAG(r):\n        EmptyOperator(task_id="go")\n`,
            ),
          ],
          true,
          1,
        ),
      ).toEqual([...want.map(() => []), []]);
      // Some files of a folder (the pre-commit hook's): the DAG may be in one not given.
      expect(await findings(files, false)).toEqual(files.map(() => []));
      // A file of the folder builds DAGs whose ids it does not show: any may be the one named.
      const hiding = [
        [
          "factory.py",
          `${HEAD}\nfrom company.dags import create_dag\n\ncreate_dag("deploy_modle")\n`,
        ],
        [
          "loop.py",
          `${HEAD}\nfor r in ["eu", "us"]:\n    with DAG(f"deploy_{r}", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):\n        EmptyOperator(task_id="go")\n`,
        ],
        ["broken.py", `${HEAD}\nwith DAG("x"\n`],
        // Beside a DAG of its own, or through a function of the file called when it is parsed.
        [
          "mixed.py",
          `${target("other")}\nfrom company.dags import create_dag\n\ncreate_dag("deploy_modle")\n`,
        ],
        [
          "wrapped.py",
          `${HEAD}\nfrom company.dags import create_dag\n\ndef build():\n    globals()["d"] = create_dag("deploy_modle")\n\nbuild()\n`,
        ],
        // A module that only imports one that builds DAGs (a DAG made on import is Airflow's).
        ["shim.py", "# airflow dags\nfrom company.dags.deploy import deploy_dag\n"],
        // A DAG id held by a constant.
        [
          "constant.py",
          `${HEAD}\nDAG_ID = "deploy_modle"\nwith DAG(DAG_ID, schedule=None):\n    EmptyOperator(task_id="go")\n`,
        ],
      ];
      for (const [name, text] of hiding) {
        expect(
          await findings([...files, write(name as string, text as string)], true),
          name,
        ).toEqual([...want.map(() => []), []]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("lintPythonFiles", () => {
  // First: nothing has loaded tree-sitter-python yet, in this file's module instance.
  it("judges the syntax of files the fast parser declines, loading tree-sitter-python itself", async () => {
    const broken = readdirSync(CORPUS)
      .filter((n) => n.endsWith(".py"))
      .filter((n) => readFileSync(join(CORPUS, n), "utf8").includes("# expect: syntax-error"))
      .sort();
    expect(broken.length).toBeGreaterThanOrEqual(4);
    const files = broken.map((n) => ({ file: n, path: join(CORPUS, n) }));
    const linted = await lintPythonFiles(files, OPTIONS, 0);
    const marked = (n: string) =>
      readFileSync(join(CORPUS, n), "utf8")
        .split("\n")
        .findIndex((l) => l.includes("# expect: syntax-error")) + 1;
    expect(linted.map((r) => r.findings.map((f) => `${r.file}:${f.line} ${f.ruleId}`))).toEqual(
      broken.map((n) => [`${n}:${marked(n)} syntax-error`]),
    );
    expect(linted.every((r) => !r.syntaxUnchecked)).toBe(true);
  });

  it("gives each file's findings in the order given, and the text of files that have some", async () => {
    const files = corpusTwice().reverse();
    const linted = await lintPythonFiles(files, OPTIONS);
    expect(linted).toEqual(await expected(files));
    expect(linted.some((r) => r.source === null)).toBe(true);
    // Template files are read beside each file's own path, named beside its given name.
    expect(linted.some((r) => r.templatesRead?.includes("a/sql/merge_orders.sql"))).toBe(true);
  });

  it("a file that cannot be read (removed meanwhile, or its permissions) fails alone, said as such", async () => {
    const files = [
      { file: "gone.py", path: join(tmpdir(), "mlgen-no-such-dir", "gone.py") },
      ...corpusTwice().slice(0, 2),
    ];
    const linted = await lintPythonFiles(files, OPTIONS, 0);
    expect(linted[0]).toEqual({
      file: "gone.py",
      findings: [],
      source: null,
      syntaxUnchecked: false,
      failure: "cannot read it: it no longer exists",
      unreadable: true,
    });
    expect(linted.slice(1)).toEqual(await expected(files.slice(1)));
  });

  it("a file the analysis cannot take fails alone, the others are linted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-deep-"));
    try {
      // Valid Python (ast.parse takes it), nested deeper than the analysis's stack.
      writeFileSync(join(dir, "deep.py"), `# an airflow dag\nX = a${".b()".repeat(3000)}\n`);
      const files = [{ file: "deep.py", path: join(dir, "deep.py") }, ...corpusTwice().slice(0, 3)];
      const linted = await lintPythonFiles(files, OPTIONS, 0);
      expect(linted[0]).toEqual({
        file: "deep.py",
        findings: [],
        source: null,
        syntaxUnchecked: false,
        failure: "its expressions nest deeper than the analysis can follow",
      });
      expect(linted.slice(1)).toEqual(await expected(files.slice(1)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads files as Python does: UTF-8 unless a coding line says otherwise; other bytes are a syntax error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-bytes-"));
    try {
      const dag = "from airflow.sdk import DAG\n";
      const write = (name: string, ...parts: (string | Buffer)[]) => {
        writeFileSync(
          join(dir, name),
          Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))),
        );
        return { file: name, path: join(dir, name) };
      };
      const e9 = Buffer.from([0xe9]);
      const files = [
        write("latin.py", dag, 'x = "caf', e9, '"\n'),
        write("declared.py", "# -*- coding: latin-1 -*-\n", dag, 'x = "caf', e9, '"\n'),
        write("utf8.py", dag, 'x = "café \uFFFD"\n'),
        write("truncated.py", dag, 'x = "', Buffer.from([0xe2, 0x82]), '"\n'),
        // Names Python's tokenizer normalises (get_normal_name) or knows as aliases.
        write("unix.py", "# coding: utf-8-unix\n", dag, 'x = "café"\n'),
        write("latin.py2", "# coding: latin\n", dag, 'x = "caf', e9, '"\n'),
        write("cp437.py", "# vim: set fileencoding=cp437 :\n", dag, 'x = "caf', e9, '"\n'),
        write("ascii.py", "# coding: ascii\n", dag, 'x = "caf', e9, '"\n'),
        write("bom.py", Buffer.from([0xef, 0xbb, 0xbf]), "# coding: latin-1\n", dag),
      ];
      const linted = await lintPythonFiles(files, OPTIONS, 0);
      const syntax = linted.map((l) =>
        l.findings
          .filter((f) => f.ruleId === "syntax-error")
          .map((f) => `${f.line}:${f.column} ${f.message}`),
      );
      expect(syntax[0]).toEqual([
        expect.stringMatching(/^2:9 .*byte 0xe9 is not UTF-8 and no coding line/),
      ]);
      expect(syntax[1]).toEqual([]);
      expect(syntax[2]).toEqual([]);
      expect(syntax[3]).toEqual([expect.stringMatching(/^2:6 .*byte 0xe2 is not UTF-8/)]);
      expect(syntax.slice(4, 7)).toEqual([[], [], []]);
      expect(syntax[7]).toEqual([expect.stringMatching(/^3:9 .*byte 0xe9 is not ASCII/)]);
      expect(syntax[8]).toEqual([expect.stringMatching(/encoding problem: latin-1 with BOM/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a file whose bytes Python cannot decode is judged by its lines before them: the garbage after is never parsed", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-garbage-"));
    try {
      // Binary garbage after a first line, as a file saved by a broken tool: parsing it all,
      // the parsers' error recovery took seconds (minutes at 1 MB).
      let seed = 7;
      const garbage = Buffer.alloc(20_000, 0).map(() => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed >> 23;
      });
      garbage[0] = 0xff;
      const path = join(dir, "garbage.py");
      writeFileSync(path, Buffer.concat([Buffer.from("from airflow.sdk import DAG\n"), garbage]));
      const linted = lintPythonFile({ file: "garbage.py", path }, OPTIONS);
      expect(linted.findings.map((f) => `${f.ruleId} ${f.line}:${f.column}`)).toEqual([
        "syntax-error 2:1",
      ]);
      expect(linted.findings[0]?.message).toContain("byte 0xff is not UTF-8");
      // The first line took the fast parser, so no slower parser is called on the rest.
      expect(linted.syntaxUnchecked).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("skips a file Airflow never parses (no 'airflow', or neither 'dag' nor 'asset'), as its safe mode does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-lint-safe-"));
    try {
      const files = [
        ["script.py", 'print "hello"\n'],
        ["helper.py", 'import airflow\nOPEN = open("/home/me/x.csv")\n'],
        ["dag.py", 'print "hello"  # an Airflow DAG\n'],
        ["asset.py", 'import AIRFLOW\nprint "an ASSET"\n'],
      ].map(([name, text]) => {
        writeFileSync(join(dir, name as string), text as string);
        return { file: name as string, path: join(dir, name as string) };
      });
      const linted = await lintPythonFiles(files, OPTIONS, 0);
      expect(linted.map((l) => l.findings.map((f) => f.ruleId))).toEqual([
        [],
        [],
        ["syntax-error"],
        ["syntax-error"],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Worker threads run the built module (from source there is none to start): when it is built,
  // a run on two workers besides the main thread must equal the one-thread loop, file by file.
  it.skipIf(!existsSync(DIST))("the built linter's worker threads change nothing", async () => {
    const built = (await import(pathToFileURL(DIST).href)) as typeof import("../src/index.js");
    const files = corpusTwice();
    const linted = await built.lintPythonFiles(files, OPTIONS, 2);
    expect(linted).toEqual(
      await expected(
        files,
        built.lintPythonFile,
        built.loadPythonSyntaxCheck,
        built.lintPythonSource,
      ),
    );
  });
});
