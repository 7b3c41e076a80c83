// Fails when a wire error text ("ERR ...", "WRONGTYPE ...", ...) is written as a literal outside
// src/errors.ts (part of `npm run lint`): errors.ts holds every error reply, so each text is
// written once and can be checked against Redis in one place. Comments do not count; string
// literals, no-substitution template literals and template heads do.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src');
const allowed = path.join(root, 'errors.ts');
const PREFIXES = ['ERR ', 'NOPERM ', 'WRONGTYPE ', 'NOAUTH ', 'OOM ', 'MISCONF ', 'EXECABORT ', 'WRONGPASS ', 'BUSY ', 'NOSCRIPT '];

function sources(dir) {
  const out = [];
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const found = [];
for (const file of sources(root)) {
  if (file === allowed) continue;
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) {
      const text = node.text;
      if (PREFIXES.some((p) => text.startsWith(p))) {
        const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        found.push(`${path.relative(process.cwd(), file)}:${line + 1}:${character + 1}: ${JSON.stringify(text.slice(0, 60))}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

if (found.length > 0) {
  console.error(`Error reply literals outside src/errors.ts (move them there as a factory of \`err\`):`);
  for (const f of found) console.error(`  ${f}`);
  process.exit(1);
}
console.log('no error reply literals outside src/errors.ts');
