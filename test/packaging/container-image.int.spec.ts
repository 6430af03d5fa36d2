import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { DockerfileParser, type ImageTemplate } from 'dockerfile-ast';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/infrastructure/database/free-port.js';
import { AppProcess } from '../../test-kit/app-process.js';
import { readComposeFile } from '../support/compose-file.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * What the Dockerfile promises, checked without a Docker engine: statically (its final
 * stage), and by running the image's own commands (CMD, HEALTHCHECK, `npm run ledger`) in
 * a folder that holds exactly what the final stage copies from the build stage.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const BUILD_TIMEOUT_MS = 240_000;
const START_TIMEOUT_MS = 90_000;
const COMMAND_TIMEOUT_MS = 60_000;
/** Paths under the build stage's WORKDIR that must never reach the image. */
const NOT_SHIPPED = ['bench', 'test', 'test-kit', 'dist/bench', 'dist/test-kit', 'src'];

const text = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const froms = dockerfile.getFROMs();
const finalStage: ImageTemplate = dockerfile.getContainingImage(froms.at(-1)!.getRange().start)!;

function jsonArgs(instruction: { getJSONStrings(): { getJSONValue(): string }[] }): string[] {
  return instruction.getJSONStrings().map((argument) => argument.getJSONValue());
}

/** The final stage's instructions with this keyword, in order. */
function instructions(keyword: string): ReturnType<ImageTemplate['getInstructions']> {
  return finalStage.getInstructions().filter((instruction) => instruction.getKeyword() === keyword);
}

const workdir = instructions('WORKDIR').at(-1)!.getArgumentsContent()!;
/**
 * Each COPY --from=build of the final stage: its source in the build stage and where it
 * lands in the image, both relative to WORKDIR (a target that ends in / or is WORKDIR
 * itself is a folder the source is copied into, as Docker reads it).
 */
const copies = finalStage.getCOPYs().map((copy) => {
  const [source, target] = copy.getArguments().map((argument) => argument.getValue());
  const resolved = posix.resolve(workdir, target!);
  const relativeSource = posix.relative(workdir, source!);
  const into = target!.endsWith('/') || resolved === workdir;
  return {
    from: copy.getFromFlag()?.getValue(),
    source: relativeSource,
    target: posix.relative(
      workdir,
      into ? posix.join(resolved, posix.basename(relativeSource)) : resolved,
    ),
  };
});
/** The final stage's ENV, as the app sees it. */
const imageEnv: Record<string, string> = Object.fromEntries(
  finalStage
    .getENVs()
    .flatMap((env) => env.getProperties())
    .map((property) => [property.getName(), property.getValue()!]),
);
const healthcheck = finalStage.getHEALTHCHECKs()[0]!;
/** HEALTHCHECK [flags] CMD ["…", …]: the parser gives no JSON form for it, so it is parsed here. */
const healthcheckArgs = JSON.parse(
  /\bCMD\s+(\[.*\])\s*$/s.exec(healthcheck.getArgumentsContent()!)![1]!.replace(/\\\n/g, ''),
) as string[];

describe('the Dockerfile, read', () => {
  it('passes the Dockerfile linter with every rule an error', () => {
    const everyRule = Object.fromEntries(
      [
        'deprecatedMaintainer',
        'directiveCasing',
        'emptyContinuationLine',
        'instructionCasing',
        'instructionCmdMultiple',
        'instructionEntrypointMultiple',
        'instructionHealthcheckMultiple',
        'instructionJSONInSingleQuotes',
        'instructionWorkdirRelative',
      ].map((rule) => [rule, ValidationSeverity.ERROR]),
    );
    expect(validate(text, everyRule)).toEqual([]);
  });

  it('runs as a user that is not root', () => {
    const user = instructions('USER').at(-1)?.getArgumentsContent();
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
  });

  it('starts the app under an init process', () => {
    const [entrypoint] = finalStage.getENTRYPOINTs();
    expect(jsonArgs(entrypoint!)).toEqual(['/usr/bin/tini', '--']);
    const runs = instructions('RUN').map((instruction) => instruction.getArgumentsContent());
    expect(runs.join('\n')).toMatch(/apt-get install [^\n]*\btini\b/);
    expect(jsonArgs(finalStage.getCMDs()[0]!)).toEqual(['node', 'dist/src/main.js']);
  });

  it('has a HEALTHCHECK in exec form against a health endpoint, bounded', () => {
    expect(healthcheck.getSubcommand()?.getValue()).toBe('CMD');
    expect(healthcheckArgs[0]).toBe('node');
    expect(healthcheckArgs.join(' ')).toMatch(/\/health\/(live|ready)/);
    expect(healthcheckArgs.join(' ')).toContain('AbortSignal.timeout(');
    const flags = healthcheck.getFlags().map((flag) => flag.getName());
    expect(flags).toEqual(expect.arrayContaining(['interval', 'timeout', 'start-period']));
  });

  it('copies only from the build stage, and no bench code, tests or sources', () => {
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy.from, copy.source).toBe('build');
      for (const path of NOT_SHIPPED) {
        const inside = copy.source === path || copy.source.startsWith(`${path}/`);
        const around = path.startsWith(`${copy.source}/`);
        expect(inside || around, `${copy.source} ships ${path}`).toBe(false);
      }
    }
  });
});

describe('the image, run from what it copies', () => {
  let app: string;
  let database: TestDatabase;
  let port: number;
  let env: NodeJS.ProcessEnv;

  /** What the image holds: each COPY of the final stage, from this checkout's build. */
  async function assembleImage(into: string): Promise<void> {
    for (const copy of copies) {
      const target = join(into, copy.target);
      await mkdir(dirname(target), { recursive: true });
      // Too large to copy: the production packages are linked (see linkProductionModules).
      if (copy.source === 'node_modules') await linkProductionModules(target);
      else await cp(join(ROOT, copy.source), target, { recursive: true });
    }
  }

  /**
   * The image's node_modules is `npm prune --omit=dev`: the lockfile's packages not
   * marked dev. Each top-level one is linked, so that an import of a development
   * package by the shipped code fails here as it would in the image.
   */
  async function linkProductionModules(into: string): Promise<void> {
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    await mkdir(into, { recursive: true });
    for (const [path, entry] of Object.entries(lock.packages)) {
      const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path)?.[1];
      if (name === undefined || entry.dev) continue;
      await mkdir(dirname(join(into, name)), { recursive: true });
      await symlink(join(ROOT, 'node_modules', name), join(into, name));
    }
  }

  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], {
      cwd: ROOT,
      timeout: BUILD_TIMEOUT_MS,
    });
    app = await mkdtemp(join(tmpdir(), 'ledger-image-'));
    await assembleImage(app);
    database = await createTestDatabase();
    port = await findFreePort();
    env = {
      ...imageEnv,
      // The image listens on every interface; here only this machine's.
      HOST: '127.0.0.1',
      PORT: String(port),
      LEDGER_DATA_DIR: join(app, 'data'),
      NPM_CONFIG_CACHE: join(app, 'npm-cache'),
      DATABASE_URL: database.url,
      LEDGER_JWT_SECRET: 'a secret of the packaging test, longer than 32 bytes',
    };
  }, BUILD_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await database?.drop();
    if (app) await rm(app, { recursive: true, force: true });
  });

  it('ships no bench code, no tests and no sources', async () => {
    const files = await readdir(app, { recursive: true });
    const shipped = files.filter((file) => !file.startsWith('node_modules'));
    expect(shipped.some((file) => file.startsWith(join('dist', 'src', 'main.js')))).toBe(true);
    expect(shipped.filter((file) => /\.spec\.js$|\.ts$/.test(file))).toEqual([]);
    expect(shipped.filter((file) => /^(bench|test|test-kit|src)\b/.test(file))).toEqual([]);
    expect(shipped.filter((file) => /^dist[/\\](bench|test-kit)\b/.test(file))).toEqual([]);
  });

  it(
    "serves, and its HEALTHCHECK (and Compose's) passes while it runs and fails once it stopped",
    { timeout: START_TIMEOUT_MS + 60_000 },
    async () => {
      const cmd = jsonArgs(finalStage.getCMDs()[0]!);
      const started = AppProcess.start({
        cwd: app,
        env,
        port,
        argv: [process.execPath, ...cmd.slice(1)],
      });
      // The image's HEALTHCHECK, and docker-compose.yml's for each service of the image.
      const { services } = await readComposeFile(join(ROOT, 'docker-compose.yml'));
      const checks = [
        healthcheckArgs,
        ...Object.values(services)
          .filter((service) => service.build === '.')
          .map((service) => (service.healthcheck!.test as string[]).slice(1)),
      ];
      expect(checks).toHaveLength(3);
      const healthy = (check: string[]): Promise<boolean> =>
        run(process.execPath, check.slice(1), { cwd: app, env, timeout: 10_000 }).then(
          () => true,
          () => false,
        );
      try {
        await started.waitReady(START_TIMEOUT_MS);
        for (const check of checks) expect(await healthy(check), check.join(' ')).toBe(true);
      } finally {
        await started.stop('SIGTERM', 45_000);
      }
      expect(started.child.exitCode).toBe(0);
      for (const check of checks) expect(await healthy(check), check.join(' ')).toBe(false);
    },
  );

  it('runs `npm run ledger` commands without sources or tsx', { timeout: 120_000 }, async () => {
    const npm = (...args: string[]): Promise<{ stdout: string }> =>
      run('npm', ['run', '--silent', 'ledger', '--', ...args], {
        cwd: app,
        env: { ...env, PATH: process.env['PATH'] },
        timeout: COMMAND_TIMEOUT_MS,
      });
    expect((await npm('--help')).stdout).toMatch(/^Usage: npm run ledger -- projections/);
    const token = (await npm('token', '--sub', 'ops-1', '--role', 'admin')).stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // Boots the CLI's Nest context on the database: the compiled modules carry their metadata.
    const status = (await npm('projections', 'status')).stdout;
    expect(status).toMatch(/^accounts\s/m);
    expect(status).toMatch(/^orders\s/m);
  });
});
