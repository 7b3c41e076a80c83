// The npm package as a user gets it: `npm pack`, installed into a fresh project, its command run
// through npx and its embedding API imported by name, with TypeScript checking the types.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDOUBT_VERSION } from '../src/version.js';
import { freePort, RawConn, spawnProcess, waitFor } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe('the npm package', () => {
  let work = '';
  let project = '';
  let tarball = '';
  const run = (cmd: string, args: string[], opts: { cwd?: string } = {}) => {
    const r = spawnSync(cmd, args, { cwd: opts.cwd ?? project, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'redoubt-pack-'));
    // dist/ is built by `npm test`'s pretest; packing must not rebuild it under the running tests.
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    const info = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, info[0]!.filename);
    const files = info[0]!.files.map((f) => f.path);
    // Nothing of the tests, the benchmark or the TypeScript sources.
    assert.deepEqual(files.filter((f) => /^(dist\/(test|bench)|src|test|bench)\//.test(f)), []);
    assert.ok(files.includes('dist/src/main.js') && files.includes('dist/src/embed/index.js') && files.includes('dist/src/embed/index.d.ts'));
    assert.ok(files.includes('README.md') && files.includes('LICENSE'));
    project = path.join(work, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    const inst = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball]);
    assert.equal(inst.code, 0, inst.stderr);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('installs with its runtime dependencies only', () => {
    const installed = readdirSync(path.join(project, 'node_modules')).filter((d) => !d.startsWith('.'));
    for (const dev of ['typescript', 'eslint', 'ioredis', 'redis', 'fast-check', 'bullmq']) assert.ok(!installed.includes(dev), `${dev} installed`);
    for (const dep of ['redoubt', 'node-forge', 'prom-client']) assert.ok(installed.includes(dep), `${dep} missing`);
  });

  it('npx redoubt: --version, --help, certs, doctor --help, and a server started with directives', async () => {
    const v = run('npx', ['--no-install', 'redoubt', '--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout, `Redoubt server v=${REDOUBT_VERSION} redis_version=7.0.15 node=${process.version}\n`);
    const h = run('npx', ['--no-install', 'redoubt', '--help']);
    assert.equal(h.code, 1);
    assert.match(h.stderr, /^Usage: redoubt /);
    const certs = run('npx', ['--no-install', 'redoubt', 'certs', path.join(work, 'certs'), '--client', 'app']);
    assert.equal(certs.code, 0, certs.stderr);
    for (const f of ['ca.crt', 'server.key', 'app.crt']) assert.ok(existsSync(path.join(work, 'certs', f)), f);
    const d = run('npx', ['--no-install', 'redoubt', 'doctor', '--help']);
    assert.match(d.stdout + d.stderr, /redoubt doctor/);
    const port = await freePort();
    const p = spawnProcess(path.join(project, 'node_modules', '.bin', 'redoubt'), ['--port', String(port), '--save', '', '--appendonly', 'no'], { cwd: work });
    try {
      await waitFor(() => p.output().includes('Ready to accept connections') || p.proc.exitCode !== null, 20_000, `start-up: ${p.output()}`);
      const c = await RawConn.connect(port);
      assert.equal(await c.call('CONFIG', 'GET', 'save'), '*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
      c.close();
    } finally {
      await p.kill('SIGTERM');
    }
  });

  it("import { startServer } from 'redoubt' starts and stops two servers; the types check", () => {
    const script = `
import { startServer } from 'redoubt';
import net from 'node:net';
const ping = (port) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => s.write('PING\\r\\n'));
  s.on('data', (d) => { resolve(d.toString()); s.destroy(); });
  s.on('error', reject);
});
const a = await startServer();
const b = await startServer({ config: { databases: 2 } });
const out = { ports: [a.port, b.port], pings: [await ping(a.port), await ping(b.port)], urls: [a.url, b.url] };
await a.stop();
await b.stop();
const refused = await ping(a.port).then(() => false, () => true);
console.log(JSON.stringify({ ...out, refused }));
`;
    writeFileSync(path.join(project, 'two.mjs'), script);
    const r = run(process.execPath, ['two.mjs']);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { ports: number[]; pings: string[]; urls: string[]; refused: boolean };
    assert.notEqual(got.ports[0], got.ports[1]);
    assert.deepEqual(got.pings, ['+PONG\r\n', '+PONG\r\n']);
    assert.equal(got.urls[0], `redis://127.0.0.1:${got.ports[0]}`);
    assert.equal(got.refused, true, 'stopped servers refuse connections');
    // A TypeScript user: the types resolve through the package's exports.
    writeFileSync(
      path.join(project, 'use.ts'),
      `import { startServer, startHardenedServer, type RedoubtServer } from 'redoubt';\n` +
        `const s: RedoubtServer = await startServer({ port: 0, config: { save: '' } });\n` +
        `const port: number = s.port;\nconst h = await startHardenedServer();\nconst pw: string = h.app.password;\n` +
        `await s.stop();\nawait h[Symbol.asyncDispose]();\nexport { port, pw };\n` +
        `// @ts-expect-error: an unknown option is a type error\nawait startServer({ prot: 1 });\n`,
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'], skipLibCheck: true, lib: ['ES2022', 'ESNext.Disposable'] }, files: ['use.ts'] }),
    );
    const tsc = run(process.execPath, [TSC, '-p', 'tsconfig.json']);
    assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  });
});
