/**
 * Our processes run as in production, from JavaScript (`node server/main.js`),
 * not through tsx: tsx's loader adds about 45 MB of RSS and start-up CPU to
 * every process, which the bench would otherwise charge to us. The sources are
 * transpiled file by file (no type check, well under a second) into a folder
 * inside the repository, so `node_modules` resolves as usual.
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..', '..');
const SOURCE_DIRS = ['server', 'workflows', 'activities', 'shared', 'client-sdk', 'bench'];

/** Transpiles the sources into `outDir` (mirroring the repository layout); returns `outDir`. */
export async function buildForBench(outDir: string): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  for (const dir of SOURCE_DIRS) {
    for (const file of await tsFiles(join(root, dir))) {
      const output = ts.transpileModule(await readFile(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: file,
      });
      const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, output.outputText);
    }
  }
  // server/version.ts reads the version from ../package.json.
  await copyFile(join(root, 'package.json'), join(outDir, 'package.json'));
  return outDir;
}

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'results' && entry.name !== 'node_modules') files.push(...(await tsFiles(path)));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) {
      files.push(path);
    }
  }
  return files;
}
