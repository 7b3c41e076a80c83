// Fails when a wire error text ("ERR ...", "WRONGTYPE ...", ...) is written as a literal outside
// src/errors.ts (part of `npm run lint`): errors.ts holds every error reply, so each text is
// written once and can be checked against Redis in one place. Comments do not count; string
// literals, no-substitution template literals and template heads do.
import path from 'node:path';
import ts from 'typescript';
import { parsedSources, root } from './src-files.mjs';

const allowed = path.join(root, 'errors.ts');
const PREFIXES = ['ERR ', 'NOPERM ', 'WRONGTYPE ', 'NOAUTH ', 'OOM ', 'MISCONF ', 'EXECABORT ', 'WRONGPASS ', 'BUSY ', 'NOSCRIPT '];

const found = [];
for (const { file, sf } of parsedSources()) {
  if (file === allowed) continue;
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
