import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultName, scaffold } from "../src/commands/init.js";
import { project } from "./project.js";

const REPO = resolve(import.meta.dirname, "../../..");

const FILES = [
  "mlgen.config.ts",
  "pipelines/churn_model.pipeline.ts",
  "tasks/churn_model.py",
  ".pre-commit-config.yaml",
  ".github/workflows/mlgen.yml",
  "package.json",
  "tsconfig.json",
  ".gitignore",
];

describe("mlgen init", () => {
  it("scaffolds a project that compiles and lints clean", async () => {
    // app/ is the root of its git repository: the workflow and pre-commit config are its own.
    const proj = project({ "app/.git/HEAD": "ref: refs/heads/main\n" });
    const init = await proj.mlgen("init", "app", "--name", "churn_model", "--target", "all");
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    for (const f of FILES) expect(init.stdout).toContain(`  ${f}\n`);
    // mlgen is not on the npm registry: from a checkout, the packages come from its folders.
    const packages = resolve(import.meta.dirname, "../..");
    expect(init.stdout).toContain(
      `\n  npm install -D ${join(packages, "cli")} ${join(packages, "dsl")}   # mlgen from its checkout (it is not on the npm registry)\n`,
    );
    const app = join(proj.dir, "app");
    const compile = await proj.mlgen("compile", "--config", "app/mlgen.config.ts");
    expect(compile.stderr).toBe("");
    expect(compile.code).toBe(0);
    expect(proj.read("app/dags/churn_model.py")).toContain('dag_id="churn_model"');
    expect(proj.read("app/kubeflow/churn_model.yaml")).toContain('schemaVersion: "2.1.0"');
    const lint = await proj.mlgen("lint", "--config", "app/mlgen.config.ts", "--max-warnings", "0");
    expect(lint.stdout).toContain("no problems");
    expect(lint.code).toBe(0);
    // The generated DAG file is linted clean too (as the pre-commit hook would lint it).
    const dag = await proj.mlgen("lint", "app/dags/churn_model.py", "--max-warnings", "0");
    expect(dag.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
    expect(pkg.name).toBe("churn-model");
    expect(pkg.scripts).toMatchObject({ compile: "mlgen compile", lint: "mlgen lint" });
    expect(proj.read("app/.pre-commit-config.yaml")).toContain("mlgen lint");
    expect(proj.read("app/.github/workflows/mlgen.yml")).toContain("npx mlgen compile --check");
  });

  it("scaffolds a project whose pipelines tsc type-checks: a misspelled output is an error", async () => {
    const proj = project({ "app/.git/HEAD": "ref: refs/heads/main\n" });
    expect((await proj.mlgen("init", "app", "--name", "churn_model")).code).toBe(0);
    const app = join(proj.dir, "app");
    // As `npm install` would give it: the packages the scaffold depends on.
    const repo = resolve(import.meta.dirname, "../../..");
    mkdirSync(join(app, "node_modules/@mlgen"), { recursive: true });
    for (const name of ["cli", "dsl"]) {
      symlinkSync(join(repo, "packages", name), join(app, "node_modules/@mlgen", name), "dir");
    }
    const tsc = () =>
      spawnSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", app], {
        encoding: "utf8",
        timeout: 120_000,
      });
    const clean = tsc();
    expect(clean.stdout + clean.stderr).toBe("");
    expect(clean.status).toBe(0);
    const source = proj.read("app/pipelines/churn_model.pipeline.ts");
    expect(source).toContain("data: data.out.data_path,");
    proj.write(
      "app/pipelines/churn_model.pipeline.ts",
      source.replace("data: data.out.data_path,", "data: data.out.data_pth,"),
    );
    const typo = tsc();
    expect(typo.status).not.toBe(0);
    expect(typo.stdout).toMatch(
      /pipelines\/churn_model\.pipeline\.ts\(\d+,\d+\): error TS2551: Property 'data_pth' does not exist/,
    );
    expect(proj.read("app/.github/workflows/mlgen.yml")).toContain("npx tsc");
  });

  it("in a subfolder of a git repository, prints the workflow and the pre-commit hook for the root instead of writing them", async () => {
    const proj = project({ ".git/HEAD": "ref: refs/heads/main\n" });
    const init = await proj.mlgen("init", "ml", "--name", "churn_model", "--yes");
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    // GitHub reads workflows only at the root; pre-commit runs from the root.
    expect(existsSync(join(proj.dir, "ml/.github"))).toBe(false);
    expect(existsSync(join(proj.dir, "ml/.pre-commit-config.yaml"))).toBe(false);
    expect(existsSync(join(proj.dir, ".pre-commit-config.yaml"))).toBe(false);
    expect(init.stdout).not.toContain("  .pre-commit-config.yaml\n");
    expect(init.stdout).toContain(
      "ml/ is a subfolder of the git repository here: GitHub reads workflows only from the repository's root, and pre-commit runs its hooks from there, so init did not write .pre-commit-config.yaml and .github/workflows/mlgen-ml.yml in ml/",
    );
    const block = (title: string) => {
      const start = init.stdout.indexOf(`\n${title}`);
      expect(start, title).toBeGreaterThan(0);
      const body = init.stdout.slice(init.stdout.indexOf("\n\n", start) + 2);
      const end = body.indexOf("\n\n", body.indexOf("\n#") + 1);
      return parse(end < 0 ? body : body.slice(0, end));
    };
    // Named after the folder: a second project's workflow does not overwrite this one.
    const workflow = block(".github/workflows/mlgen-ml.yml:");
    expect(workflow.jobs.check.defaults.run["working-directory"]).toBe("ml");
    expect(workflow.jobs.check.steps.map((s: { run?: string }) => s.run).filter(Boolean)).toEqual([
      "npm install",
      "npx tsc",
      "npx mlgen lint",
      "npx mlgen compile --check",
    ]);
    const [hook] = block(".pre-commit-config.yaml (if it exists").repos[0].hooks;
    expect(hook.entry).toBe("ml/node_modules/.bin/mlgen lint --config ml/mlgen.config.ts");
    expect(hook.id).toBe("mlgen-lint-ml");
    // One process for all the files: --max-warnings counts them all (as .pre-commit-hooks.yaml).
    expect(hook.require_serial).toBe(true);
    const files = new RegExp(hook.files);
    const staged = ["ml/pipelines/churn_model.pipeline.ts", "ml/tasks/churn_model.py"];
    for (const f of staged) expect(files.test(f), f).toBe(true);
    // The template files a DAG reads, as the published hook takes them; nothing outside ml/.
    for (const f of ["ml/dags/sql/load.sql", "ml/dags/scripts/run.sh"]) {
      expect(files.test(f), f).toBe(true);
    }
    for (const f of ["web/app.py", "ml/package.json", "ml/mlgen.config.ts", "ml/kubeflow/x.yaml"]) {
      expect(files.test(f), f).toBe(false);
    }
    // The same files as the hook this repository publishes, with the folder in front.
    const published = parse(readFileSync(join(REPO, ".pre-commit-hooks.yaml"), "utf8"))[0].files;
    expect(hook.files).toBe(`^ml/.*${published}`);
    // What pre-commit runs, from the root with the paths from there: the project's lint.
    const [command, ...args] = hook.entry.split(" ");
    expect(command).toBe("ml/node_modules/.bin/mlgen");
    const lint = await proj.mlgen(...args, ...staged);
    expect(lint.stderr).toBe("");
    expect(lint.stdout).toContain("no problems");
    expect(lint.code).toBe(0);
    // A DAG file with an error is found: the hook fails the commit.
    proj.write(
      "ml/dags/orders.py",
      `from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("orders", schedule=None):
    extract = BashOperator(task_id="extract", bash_command="echo 1")
    report = BashOperator(task_id="report", bash_command="echo {{ ti.xcom_pull(task_ids='extract') }}")
`,
    );
    expect(files.test("ml/dags/orders.py")).toBe(true);
    const race = await proj.mlgen(...args, "ml/dags/orders.py");
    expect(race.code).toBe(1);
    expect(race.stdout).toContain("ml/dags/orders.py:6:");
    expect(race.stdout).toContain("missing-xcom-key");
    // From inside the repository's subfolder: the root is named from there.
    const inner = await proj.mlgenIn("ml", "init", "inner", "--name", "churn_model", "--yes");
    expect(inner.stdout).toContain("ml/inner/ is a subfolder of the git repository at ..:");
    expect(inner.stdout).toContain("../.github/workflows/mlgen-ml-inner.yml:");
  });

  it("leaves an existing tsconfig.json as it is, without --force, and writes mlgen's beside it", async () => {
    const appTsconfig =
      '{\n  "compilerOptions": { "module": "commonjs", "outDir": "dist", "strict": true },\n  "include": ["src"]\n}\n';
    const proj = project({
      "app/.git/HEAD": "ref: refs/heads/main\n",
      "app/tsconfig.json": appTsconfig,
      "app/package.json": '{ "name": "app", "scripts": { "build": "tsc" } }\n',
      "app/src/index.ts": "export const answer: number = 42;\n",
    });
    const init = await proj.mlgen("init", "app", "--name", "churn_model");
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(proj.read("app/tsconfig.json")).toBe(appTsconfig);
    expect(JSON.parse(proj.read("app/tsconfig.mlgen.json")).include).toEqual([
      "mlgen.config.ts",
      "pipelines",
    ]);
    expect(init.stdout).toContain("  tsconfig.mlgen.json\n");
    expect(init.stdout).toContain(
      "tsconfig.json was left as it is: mlgen compiles and lints without it. mlgen's TypeScript settings are in tsconfig.mlgen.json",
    );
    expect(init.stdout).toContain(
      "\n  npx tsc -p tsconfig.mlgen.json   # type-checks the pipelines\n",
    );
    expect(JSON.parse(proj.read("app/package.json")).scripts).toMatchObject({
      build: "tsc",
      typecheck: "tsc -p tsconfig.mlgen.json",
    });
    expect(proj.read("app/.github/workflows/mlgen.yml")).toContain(
      "- run: npx tsc -p tsconfig.mlgen.json\n",
    );
    // Both type-check: the app's build as before, the pipelines with mlgen's settings.
    const app = join(proj.dir, "app");
    const repo = resolve(import.meta.dirname, "../../..");
    mkdirSync(join(app, "node_modules/@mlgen"), { recursive: true });
    for (const name of ["cli", "dsl"]) {
      symlinkSync(join(repo, "packages", name), join(app, "node_modules/@mlgen", name), "dir");
    }
    const tsc = (config: string) =>
      spawnSync(
        process.execPath,
        [join(repo, "node_modules/typescript/bin/tsc"), "-p", join(app, config), "--noEmit"],
        {
          encoding: "utf8",
          timeout: 120_000,
        },
      );
    for (const config of ["tsconfig.json", "tsconfig.mlgen.json"]) {
      const r = tsc(config);
      expect(r.stdout + r.stderr, config).toBe("");
      expect(r.status, config).toBe(0);
    }
    // A tsconfig.json that takes in every file of its folder: the note says so.
    const all = project({
      "app/.git/HEAD": "",
      "app/tsconfig.json": '{ "compilerOptions": { "strict": true, }, // all\n}\n',
    });
    const wide = await all.mlgen("init", "app", "--name", "churn_model");
    expect(wide.code).toBe(0);
    expect(wide.stdout).toContain(
      'Your tsconfig.json has no "include" or "files", so its tsc takes in mlgen.config.ts and pipelines/ too: add them to its "exclude"',
    );
  });

  it("quotes a folder with spaces in the next steps it prints", async () => {
    const proj = project({});
    const init = await proj.mlgen("init", "My Project 2", "--name", "churn_model");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("\n  cd 'My Project 2'\n");
  });

  it("refuses to overwrite anything, writing nothing, unless --force", async () => {
    const proj = project({ "app/mlgen.config.ts": "// mine\n" });
    const first = await proj.mlgen("init", "app", "--name", "churn_model");
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("already has mlgen.config.ts; nothing was written");
    expect(first.stderr).toContain("--force");
    expect(proj.read("app/mlgen.config.ts")).toBe("// mine\n");
    expect(() => proj.read("app/package.json")).toThrow();
    const forced = await proj.mlgen("init", "app", "--name", "churn_model", "--force");
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("1 replaced");
    const again = await proj.mlgen("init", "app", "--name", "churn_model");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("mlgen.config.ts");
  });

  it("adds to an existing package.json and .gitignore instead of replacing them", async () => {
    const pkg = {
      name: "existing",
      version: "3.1.0",
      scripts: { test: "vitest", lint: "eslint ." },
      dependencies: { zod: "^4.0.0" },
    };
    const proj = project({
      "package.json": `\uFEFF${JSON.stringify(pkg, null, 4)}\n`,
      ".gitignore": "node_modules/\n/coverage",
    });
    const init = await proj.mlgen("init", ".", "--name", "churn_model");
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("package.json and .gitignore added to");
    const merged = JSON.parse(proj.read("package.json"));
    expect(merged).toMatchObject({
      name: "existing",
      version: "3.1.0",
      dependencies: { zod: "^4.0.0" },
      scripts: { test: "vitest", lint: "eslint .", compile: "mlgen compile" },
    });
    expect(Object.keys(merged.devDependencies)).toEqual(["@mlgen/cli", "@mlgen/dsl", "typescript"]);
    // The repo's scripts keep their place and their commands; mlgen's come after.
    expect(Object.keys(merged.scripts).slice(0, 3)).toEqual(["test", "lint", "compile"]);
    expect(merged.type).toBeUndefined();
    expect(proj.read("package.json")).toMatch(/^\{\n {4}"name"/);
    const ignored = proj.read(".gitignore").split("\n");
    expect(ignored.slice(0, 2)).toEqual(["node_modules/", "/coverage"]);
    expect(ignored.filter((l) => l.startsWith("node_modules"))).toHaveLength(1);
    // Again: nothing more to add, and the other files are mlgen's own now.
    expect((await proj.mlgen("init", ".", "--name", "churn_model")).code).toBe(1);
  });

  it("names the fix for a bad name or target, without a stack trace", async () => {
    const proj = project({});
    const name = await proj.mlgen("init", "app", "--name", 'x"; rm -rf /');
    expect(name.code).toBe(2);
    expect(name.stderr).toContain("cannot name a pipeline");
    expect(name.stderr).not.toMatch(/\n\s+at /);
    // The DAG file tasks.py would shadow the tasks/ folder the project's modules are in.
    const tasks = await proj.mlgen("init", "app", "--name", "tasks");
    expect(tasks.code).toBe(2);
    expect(tasks.stderr).toContain("'tasks' cannot name the pipeline");
    // A Python keyword: tasks/class.py could not be imported (`from tasks.class import ...`).
    const keyword = await proj.mlgen("init", "app", "--name", "class");
    expect(keyword.code).toBe(2);
    expect(keyword.stderr).toContain("'class' cannot name the pipeline: it is a Python keyword");
    expect(keyword.stderr).toContain("--name class_pipeline");
    proj.write("afile", "x\n");
    const file = await proj.mlgen("init", "afile");
    expect(file.code).toBe(2);
    expect(file.stderr).toContain("mlgen init: afile is a file, not a folder");
    expect(file.stderr).not.toContain("internal error");
    proj.write("bad/package.json", "[1, 2]\n");
    const bad = await proj.mlgen("init", "bad", "--name", "churn_model");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("its package.json is not a JSON object mlgen can add");
    const target = await proj.mlgen("init", "app", "--target", "argo");
    expect(target.code).toBe(2);
    expect(target.stderr).toContain("'argo' is not a target");
  });

  it("derives a default name from the folder, and renders deterministically", () => {
    expect(defaultName("/x/My Project-2")).toBe("my_project_2");
    expect(defaultName("/x/2024")).toBe("ml_2024");
    expect(defaultName("/x/---")).toBe("ml_pipeline");
    expect(defaultName("/x/tasks")).toBe("tasks_pipeline");
    expect(defaultName("/x/import")).toBe("import_pipeline");
    expect(scaffold("a", "airflow", "0.1.0")).toEqual(scaffold("a", "airflow", "0.1.0"));
    const config = scaffold("a", "airflow", "0.1.0").files.find(
      (f) => f.path === "mlgen.config.ts",
    );
    expect(config?.content).toContain('target: "airflow"');
    expect(config?.content).not.toContain("kubeflow:");
    // Kubeflow only: no Airflow DAG folder in its config.
    const kubeflow = scaffold("a", "kubeflow", "0.1.0").files.find(
      (f) => f.path === "mlgen.config.ts",
    );
    expect(kubeflow?.content).toContain('out: "kubeflow",\n    timeouts: true,');
    // The libraries the sample's tasks import: a Kubeflow pod has only what is installed.
    expect(kubeflow?.content).toContain(
      'packages: ["scikit-learn==1.9.1", "pandas==3.1.1", "mlflow==3.17.2"]',
    );
    expect(kubeflow?.content).not.toContain('out: "dags"');
    // The sample pipeline says where compile writes, and what a cluster needs of its data path.
    const sample = (target: "airflow" | "kubeflow" | "all") =>
      scaffold("a", target, "0.1.0").files.find((f) => f.path.startsWith("pipelines/"))?.content;
    expect(sample("airflow")).toContain("(writes dags/)");
    expect(sample("airflow")).not.toContain("shared storage");
    expect(sample("kubeflow")).toContain("(writes kubeflow/)");
    expect(sample("kubeflow")).toContain("must then be in shared storage (s3://, gs://)");
    expect(sample("all")).toContain("(writes dags/ and kubeflow/)");
  });
});
