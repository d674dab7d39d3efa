// The longest functions under a folder, by lines (first line of the declaration to its closing
// brace), read with the TypeScript compiler API rather than regexes, so arrows, methods and
// constructors count. For the Layout note's "longest functions before and after".
//
//   node scripts/longest-functions.mjs [folder=functions] [count=15]
//
// A nested function counts on its own and inside its parent, as a reader meets both. Callbacks
// are named after the function they sit in (`compileRoute > arrow@476`).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript-5';

const root = process.argv[2] ?? 'functions';
const count = Number(process.argv[3] ?? 15);

function* tsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

function nameOf(node, source) {
  if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.text ?? 'class'} constructor`;
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  return `${ts.isArrowFunction(node) ? 'arrow' : 'function'}@${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
}

const found = [];
for (const file of tsFiles(root)) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node, outer) => {
    let name = outer;
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const own = nameOf(node, source);
      name = outer && !node.name && !ts.isVariableDeclaration(node.parent) ? `${outer} > ${own}` : own;
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ lines: end - start + 1, name, where: `${relative(process.cwd(), file)}:${start + 1}` });
    }
    ts.forEachChild(node, (child) => visit(child, name));
  };
  visit(source, undefined);
}

found.sort((a, b) => b.lines - a.lines || a.where.localeCompare(b.where));
for (const f of found.slice(0, count)) console.log(`${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
