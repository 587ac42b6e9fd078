/**
 * The packages as a user gets them: `npm pack` of every workspace (each `prepack` builds it),
 * the tarballs installed into a temp folder outside the repository, then, from that install
 * alone (dist/ only, no `source` condition): the `kurento-room-server` bin serves the demo at
 * `/` and the browser client at `/js/KurentoRoom.js`, and a TypeScript program using the client
 * type-checks under the `node16`, `bundler` and `node` (node10) module resolutions with strict
 * settings and no skipLibCheck. One install of all four serves the server checks; a second, of
 * the client alone (a web application's project), the type checks.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { eventually } from '../helpers/RpcTestClient.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);

/** The environment without what `npm test` adds (npm_config_*, ...), which would steer the inner npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^INIT_CWD$/i.test(k)));
}

async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

describe('the npm packages, installed from their tarballs outside the repository', () => {
  let dir: string;
  let app: string;
  /** A browser application's project: only the client (and the protocol it depends on). */
  let web: string;
  const children: ChildProcess[] = [];
  const started = Date.now();
  const phase = (what: string) => console.log(`${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  before(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'kr-pack-')));
    assert.ok(!dir.startsWith(realpathSync(repo)), 'the install must be outside the repository');
    const tarballs = join(dir, 'tarballs');
    app = join(dir, 'app');
    web = join(dir, 'web');
    mkdirSync(tarballs);
    await npm(['pack', '--workspaces', '--pack-destination', tarballs, '--silent'], repo);
    phase('built and packed');
    const packed = readdirSync(tarballs).filter((f) => f.endsWith('.tgz')).sort();
    assert.deepEqual(packed, ['kurento-room-client-0.1.0.tgz', 'kurento-room-demo-0.1.0.tgz', 'kurento-room-protocol-0.1.0.tgz', 'kurento-room-server-0.1.0.tgz']);
    const tgz = (name: string) => join(tarballs, `kurento-room-${name}-0.1.0.tgz`);
    for (const [folder, name] of [[app, 'server-app'], [web, 'web-app']] as const) {
      mkdirSync(folder);
      writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
    }
    // The tarballs that depend on each other are installed together, so those dependencies are
    // met by them; ws and werift come from npm's cache (the registry when the cache lacks them).
    const flags = ['install', '--no-audit', '--no-fund', '--no-package-lock'];
    await npm([...flags, '--prefer-offline', ...['protocol', 'client', 'demo', 'server'].map(tgz)], app);
    phase('installed the server');
    await npm([...flags, '--offline', tgz('protocol'), tgz('client')], web);
    phase('installed the client');
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each package ships its LICENSE (Apache-2.0), a README, dist/ and the types it names', () => {
    for (const name of ['protocol', 'client', 'server', 'demo']) {
      const root = join(app, 'node_modules', '@kurento-room', name);
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, any>;
      assert.equal(pkg.license, 'Apache-2.0', name);
      assert.equal(pkg.private, undefined, `${name} is publishable`);
      assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/, name);
      assert.match(readFileSync(join(root, 'README.md'), 'utf8'), new RegExp(`^# @kurento-room/${name}`), name);
      if (name === 'demo') continue;
      assert.equal(pkg.types, './dist/index.d.ts', name);
      assert.equal(pkg.exports['.'].types, './dist/index.d.ts', name);
      readFileSync(join(root, 'dist', 'index.d.ts'));
      readFileSync(join(root, 'dist', 'index.js'));
    }
    // The script-tag build, also for bundlers and copy steps that resolve it by package name.
    const resolveInApp = createRequire(join(app, 'index.js')).resolve;
    assert.equal(resolveInApp('@kurento-room/client/dist/browser/KurentoRoom.js'), join(app, 'node_modules', '@kurento-room', 'client', 'dist', 'browser', 'KurentoRoom.js'));
    readFileSync(resolveInApp('@kurento-room/client/dist/browser/KurentoRoom.min.js'));
    readFileSync(join(app, 'node_modules', '@kurento-room', 'demo', 'dist', 'index.html'));
  });

  it('the server finds the installed demo and browser client through package resolution', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const s = await import('@kurento-room/server'); console.log(JSON.stringify({ demo: s.demoDir, client: s.clientBrowserDir, create: typeof s.createRoomServer }))"], { cwd: app });
    const found = JSON.parse(stdout) as { demo: string; client: string; create: string };
    assert.equal(found.create, 'function');
    assert.equal(found.demo, join(app, 'node_modules', '@kurento-room', 'demo', 'dist') + sep);
    assert.equal(found.client, join(app, 'node_modules', '@kurento-room', 'client', 'dist', 'browser') + sep);
  });

  it('the kurento-room-server bin serves the demo at / and KurentoRoom.js at /js/', async () => {
    const child = spawn(join(app, 'node_modules', '.bin', 'kurento-room-server'), ['--port', '0', '--host', '127.0.0.1', '--media-workers', '1'], { cwd: app, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        for (const line of log.split('\n')) {
          if (line.startsWith('{') && line.includes('"msg":"listening"')) resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      child.on('exit', (code) => reject(new Error(`the bin exited (${code}) before listening:\n${log}`)));
    });
    assert.doesNotMatch(log, /not built or not installed/);

    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<script[^>]+app\.js/, 'the demo page loads its application');
    assert.equal((await fetch(`${url}/app.js`)).status, 200);

    const script = await fetch(`${url}/js/KurentoRoom.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const sandbox: Record<string, unknown> = {};
    sandbox.globalThis = sandbox;
    vm.runInNewContext(await script.text(), sandbox);
    assert.equal(typeof sandbox.KurentoRoom, 'function', 'the script defines the global KurentoRoom');

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it("docs/deploy.md's token backend example runs against the installed package", async () => {
    const doc = readFileSync(join(repo, 'docs', 'deploy.md'), 'utf8');
    const example = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes('mintAccessToken('));
    assert.ok(example, 'docs/deploy.md has a JavaScript example calling mintAccessToken');
    // The example leaves the session check to the application: here everyone is alice.
    writeFileSync(join(app, 'backend.mjs'), `function currentUser() { return 'alice'; }\n${example}`);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const secret = 'backend-test-secret';
    const child = spawn(process.execPath, ['backend.mjs'], { cwd: app, env: { ...process.env, PORT: String(port), TOKEN_SECRET: secret }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let token: string | undefined;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`the example exited: ${stderr}`);
        const answer = await fetch(`http://127.0.0.1:${port}/room-token?room=standup`).catch(() => undefined);
        if (!answer) return false;
        assert.equal(answer.status, 200);
        token = ((await answer.json()) as { token: string }).token;
        return true;
      },
      30_000,
      'the example backend to answer',
    );
    child.kill('SIGTERM');
    const [header, payload, signature] = token!.split('.') as [string, string, string];
    assert.equal(signature, createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url'), 'signed with TOKEN_SECRET');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, any>;
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.room, 'standup');
    assert.equal(claims.exp - claims.iat, 600);
    assert.deepEqual(claims.grants, { publish: true, subscribe: true, data: true, admin: false });
  });

  // In the browser application's own project: the server's media stack brings global DOM
  // typings of its own (werift -> mediabunny -> @types/dom-webcodecs), which clash with
  // TypeScript's lib.dom; a web application does not install the server.
  it('a TypeScript program using the client type-checks under node16, bundler and node10 resolution', async () => {
    const readme = readFileSync(join(web, 'node_modules', '@kurento-room', 'client', 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme);
    assert.ok(example, 'the client README has a TypeScript example');
    writeFileSync(join(web, 'readme-example.ts'), `${example[1]}\nexport {};\n`);
    writeFileSync(
      join(web, 'check.ts'),
      [
        "import { KurentoRoom, Room, Stream, type KurentoRoomClient, type RoomEventMap } from '@kurento-room/client';",
        "import { RoomError } from '@kurento-room/protocol';",
        '',
        'export function join(url: string, room: string, user: string): Promise<Room> {',
        '  return new Promise((resolve, reject) => {',
        '    KurentoRoom(url, (error: Error | null, kurento?: KurentoRoomClient) => {',
        "      if (error || !kurento) return reject(error ?? new Error('no connection'));",
        '      const joined: Room = kurento.Room({ room, user });',
        '      const camera: Stream = kurento.Stream(joined, { audio: true, video: true, data: false });',
        "      joined.on('stream-added', ({ stream }: RoomEventMap['stream-added']) => void stream.playOnlyVideo(document.body));",
        "      joined.on('room-connected', () => resolve(joined));",
        '      camera.init().then(() => joined.connect(), reject);',
        '      // @ts-expect-error: typed, not any: a global id is a string',
        '      const wrong: number = camera.getGlobalID();',
        '      void wrong;',
        '    });',
        '  });',
        '}',
        'export const isRoomError = (e: unknown): e is RoomError => e instanceof RoomError && typeof e.code === "number";',
        '',
      ].join('\n'),
    );
    const variants: Record<string, { module: string; moduleResolution: string }> = {
      node16: { module: 'node16', moduleResolution: 'node16' },
      bundler: { module: 'es2022', moduleResolution: 'bundler' },
      node10: { module: 'es2022', moduleResolution: 'node' },
    };
    for (const [name, resolution] of Object.entries(variants)) {
      const config = `tsconfig.${name}.json`;
      writeFileSync(
        join(web, config),
        JSON.stringify({ compilerOptions: { ...resolution, target: 'es2022', lib: ['dom', 'es2022'], strict: true, noEmit: true }, files: ['check.ts', 'readme-example.ts'] }),
      );
      try {
        await run(process.execPath, [tsc, '-p', config], { cwd: web });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        assert.fail(`tsc with moduleResolution ${resolution.moduleResolution} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
    }
  });
});
