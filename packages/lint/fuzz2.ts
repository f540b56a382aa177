import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@lezer/python";
import { fastParse } from "./src/python/fastparse.ts";
import { firstDifference, hasErrorNode, treeDump } from "./test/tree-dump.ts";

function walk(d: string, out: string[]) {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".py")) out.push(p);
  }
  return out;
}
const files = walk(process.argv[4], [])
  .map((f) => readFileSync(f, "utf8"))
  .filter((s) => s.length < 20000 && fastParse(s));
const lines = files.flatMap((f) => f.split("\n")).filter((l) => l.trim());
let seed = Number(process.argv[2]);
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pieces = [
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ":",
  ",",
  "\n",
  "    ",
  " ",
  "#",
  "'",
  '"',
  '"""',
  "\\",
  "=",
  "==",
  "not ",
  " or ",
  " and ",
  "if ",
  "else",
  "lambda",
  "*",
  "**",
  "f'",
  "{x}",
  ".",
  "@",
  "1",
  "x",
  "def ",
  "return",
  "in ",
  " is ",
  "-",
  "~",
  ";",
  "pass",
  "for ",
  "class ",
  "try:",
  "except",
  "elif ",
  "0x",
  "1e",
  "r'",
  "\\n",
  "{{",
  "}}",
  "!r",
  ":>",
  "print ",
  "type ",
  "match ",
  "\\\n",
  "  ",
  "\n\n",
  "# c\n",
];
let same = 0,
  declined = 0,
  differ = 0;
for (let i = 0; i < Number(process.argv[3]); i++) {
  let s = files[Math.floor(rnd() * files.length)]!;
  const n = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < n; k++) {
    const r = rnd();
    if (r < 0.5) {
      const at = Math.floor(rnd() * s.length);
      s =
        s.slice(0, at) +
        (rnd() < 0.7 ? pieces[Math.floor(rnd() * pieces.length)] : "") +
        s.slice(at + (rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * 5)));
    } else {
      const all = s.split("\n");
      const at = Math.floor(rnd() * all.length);
      if (rnd() < 0.3) all.splice(at, 1);
      else all.splice(at, 0, lines[Math.floor(rnd() * lines.length)]!);
      s = all.join("\n");
    }
  }
  const fast = fastParse(s);
  if (!fast) {
    declined++;
    continue;
  }
  const lz = parser.parse(s);
  const d = hasErrorNode(lz) ? "lezer error" : firstDifference(s, treeDump(lz), treeDump(fast));
  if (!d) {
    same++;
    continue;
  }
  differ++;
  if (differ <= 5) {
    const line = Number(d.match(/line (\d+)/)?.[1] ?? 1);
    console.log(
      "DIFF",
      d.slice(0, 300),
      "\n  src:",
      JSON.stringify(
        s
          .split("\n")
          .slice(Math.max(0, line - 3), line + 1)
          .join("\n"),
      ),
    );
  }
}
console.log({ same, declined, differ });
