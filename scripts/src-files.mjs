// The TypeScript sources under src/, parsed: shared by the lint checks (check-cycles.mjs,
// check-error-literals.mjs).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src');

function walk(dir) {
  const out = [];
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every src/**.ts file with its syntax tree (parent links set, for positions). */
export function parsedSources() {
  return walk(root).map((file) => ({ file, sf: ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true) }));
}
