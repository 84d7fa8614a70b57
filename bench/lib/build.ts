/**
 * The code the bench runs. Our processes run what `npm run dev` runs: dist/, built by
 * scripts/build.mjs (incremental). The bench's own children (its app worker, the BullMQ
 * worker, the bare-Temporal baseline's workers) are transpiled file by file (no type check,
 * about a second) into the run's folder, so they too run as plain JavaScript with no loader.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..', '..');
/** What the bench's children import: the SDK and what it imports, and bench/ itself. */
const CHILD_SOURCE_DIRS = ['client-sdk', 'workflows', 'activities', 'shared', 'bench'];

/** `npm run build` as `npm run dev` does it (incremental: about a second when nothing changed). */
export function buildProject(): void {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status ?? result.signal})`);
}

/** Transpiles the bench children's sources into `outDir` (mirroring the repository layout); returns `outDir`. */
export async function buildForBench(outDir: string): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  for (const dir of CHILD_SOURCE_DIRS) {
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
