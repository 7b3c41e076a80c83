// Fails when src/ has a runtime import cycle (part of `npm run lint`). Type-only imports do not
// count: they vanish at run time. Lower layers must not import the layers above them, and
// main.ts wires the parts, so a cycle means a dependency points the wrong way.
import path from 'node:path';
import ts from 'typescript';
import { parsedSources, root } from './src-files.mjs';

/** True when an import declaration brings in nothing but types. */
function typeOnlyImport(decl) {
  const clause = decl.importClause;
  if (clause === undefined) return false; // import './x.js': runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false; // a default import
  const bindings = clause.namedBindings;
  if (bindings === undefined) return true;
  if (ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

const graph = new Map();
for (const { file, sf } of parsedSources()) {
  const deps = [];
  for (const st of sf.statements) {
    let spec = null;
    if (ts.isImportDeclaration(st) && !typeOnlyImport(st)) spec = st.moduleSpecifier;
    else if (ts.isExportDeclaration(st) && !st.isTypeOnly && st.moduleSpecifier !== undefined) spec = st.moduleSpecifier;
    if (spec === null || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    deps.push(path.resolve(path.dirname(file), spec.text.replace(/\.js$/, '.ts')));
  }
  graph.set(file, deps);
}

// Strongly connected components (Tarjan): any with more than one file, or a file importing
// itself, is a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  index.set(v, counter);
  low.set(v, counter);
  counter++;
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) !== index.get(v)) return;
  const component = [];
  let w;
  do {
    w = stack.pop();
    onStack.delete(w);
    component.push(w);
  } while (w !== v);
  if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component);
}
for (const file of graph.keys()) if (!index.has(file)) visit(file);

if (cycles.length > 0) {
  for (const c of cycles) console.error(`import cycle: ${c.map((f) => path.relative(path.dirname(root), f)).join(' <-> ')}`);
  process.exit(1);
}
console.log(`no import cycles in src/ (${graph.size} files)`);
