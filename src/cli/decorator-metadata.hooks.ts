import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type ts from 'typescript';

/**
 * Node module hooks (registered by ledger.cli.ts) that compile the project's decorated
 * TypeScript with TypeScript itself. tsx compiles with esbuild, which emits no decorator
 * metadata, and Nest's dependency injection reads the constructor parameter types from
 * it: without it, a class injected by type arrives as undefined. Files without a
 * decorator, and files outside the project (node_modules), go on to the hooks registered
 * before (tsx's). Compiled files are cached by content, so that a warm run does not even
 * load the compiler.
 */

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | NodeJS.TypedArray;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: object) => Promise<LoadResult>;

const PROJECT_ROOT = new URL('../../', import.meta.url);
const PROJECT_DIR = fileURLToPath(PROJECT_ROOT);
/** One entry per source file, replaced when the file changes: bounded by the project's size. */
const CACHE_DIR = join(PROJECT_DIR, 'node_modules', '.cache', 'ledger-cli');
const TYPESCRIPT_FILE = /\.m?ts$/;
/** A decorator call, e.g. `@Injectable()`; files without one are left to tsx, which is faster. */
const DECORATOR = /@[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*\s*\(/;

let compiler: Promise<{ ts: typeof ts; options: ts.CompilerOptions }> | undefined;
let environment: Promise<string> | undefined;

async function loadCompiler(): Promise<{ ts: typeof ts; options: ts.CompilerOptions }> {
  const { default: typescript } = await import('typescript');
  const tsconfigPath = join(PROJECT_DIR, 'tsconfig.json');
  const { config, error } = typescript.readConfigFile(tsconfigPath, typescript.sys.readFile);
  if (error) throw new Error(typescript.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = typescript.parseJsonConfigFileContent(config, typescript.sys, PROJECT_DIR);
  return {
    ts: typescript,
    options: {
      ...options,
      // One file at a time, as ES modules (the package is "type": "module").
      module: typescript.ModuleKind.ESNext,
      moduleResolution: typescript.ModuleResolutionKind.Bundler,
      declaration: false,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
      noEmit: false,
    },
  };
}

/** What the output depends on besides the source: the compiler's version and the tsconfig. */
async function compilerEnvironment(): Promise<string> {
  const [tsconfig, typescriptPackage] = await Promise.all([
    readFile(join(PROJECT_DIR, 'tsconfig.json'), 'utf8'),
    readFile(join(PROJECT_DIR, 'node_modules', 'typescript', 'package.json'), 'utf8'),
  ]);
  return `${tsconfig}\n${(JSON.parse(typescriptPackage) as { version: string }).version}`;
}

async function compile(fileName: string, source: string): Promise<string> {
  environment ??= compilerEnvironment();
  const digest = createHash('sha256')
    .update(await environment)
    .update('\0')
    .update(source)
    .digest('hex');
  const entry = join(CACHE_DIR, `${createHash('sha256').update(fileName).digest('hex')}.js`);
  const header = `// ${digest}\n`;
  // Not cached yet (or unreadable): compiled afresh below.
  const hit = await readFile(entry, 'utf8').catch(() => undefined);
  if (hit?.startsWith(header)) return hit.slice(header.length);

  compiler ??= loadCompiler();
  const { ts: typescript, options } = await compiler;
  const { outputText } = typescript.transpileModule(source, { fileName, compilerOptions: options });
  // Best effort, written whole or not at all (runs may overlap). A cache that cannot be
  // written costs the next run a compile, nothing more: not worth a line in the output.
  const partial = `${entry}.${process.pid}.tmp`;
  await mkdir(CACHE_DIR, { recursive: true })
    .then(() => writeFile(partial, header + outputText))
    .then(() => rename(partial, entry))
    .catch(() => undefined);
  return outputText;
}

function isProjectTypeScript(url: string): boolean {
  if (!url.startsWith(PROJECT_ROOT.href) || url.includes('/node_modules/')) return false;
  return TYPESCRIPT_FILE.test(new URL(url).pathname);
}

export async function load(url: string, context: object, nextLoad: NextLoad): Promise<LoadResult> {
  if (!isProjectTypeScript(url)) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const source = await readFile(fileName, 'utf8');
  if (!DECORATOR.test(source)) return nextLoad(url, context);
  return { format: 'module', source: await compile(fileName, source), shortCircuit: true };
}
