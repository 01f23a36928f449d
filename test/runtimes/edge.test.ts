// examples/edge for real: the same handler served by workerd (examples/edge/workerd.capnp), Deno
// and Node, each started on a free port of 127.0.0.1 and asked over HTTP. A name gets the same
// three nationalities everywhere; a missing, empty or over-long name gets a 400 with a JSON error.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Top {
  nationality: string;
  probability: number;
}

const RUNTIMES: Record<string, (port: number) => [string, string[]]> = {
  node: (port) => [process.execPath, ['examples/edge/node.mjs', String(port)]],
  deno: (port) => [
    `${root}node_modules/.bin/deno`,
    ['run', '--config', 'examples/edge/deno.json', '--allow-read', '--allow-net', 'examples/edge/deno.mjs', String(port)],
  ],
  workerd: (port) => [
    `${root}node_modules/.bin/workerd`,
    ['serve', 'examples/edge/workerd.capnp', '--socket-addr', `http=127.0.0.1:${port}`],
  ],
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
}

/** Starts a runtime and waits until it answers (its first answer loads the model), or fails with its output. */
async function start(runtime: string): Promise<Server> {
  const port = await freePort();
  const [command, args] = RUNTIMES[runtime](port);
  const child = spawn(command, args, { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  // A runtime that cannot start (its binary missing) reports it here; the loop below then throws with it.
  child.on('error', (error) => (output += String(error)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${runtime} exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${base}/classify?name=Rossi`);
      return { child, base, output: () => output };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill();
  throw new Error(`${runtime} did not answer within 60 s:\n${output}`);
}

const servers = new Map<string, Server>();

beforeAll(async () => {
  // Every runtime that started is kept (and killed after), even when another failed to start.
  const started = await Promise.allSettled(Object.keys(RUNTIMES).map(async (r) => servers.set(r, await start(r))));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}, 120_000);

afterAll(() => {
  for (const { child } of servers.values()) child.kill();
});

async function ask(runtime: string, query: string): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${servers.get(runtime)!.base}/classify${query}`);
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

const NAMES = ['Rossi', 'Nguyen', 'Dvořák', "O'Neill"];

describe.each(Object.keys(RUNTIMES))('examples/edge on %s', (runtime) => {
  it('answers the top 3 nationalities of a name, as Node does', async () => {
    for (const name of NAMES) {
      const { status, type, body } = await ask(runtime, `?name=${encodeURIComponent(name)}`);
      expect(status, servers.get(runtime)!.output()).toBe(200);
      expect(type).toMatch(/^application\/json/);
      expect(body.name).toBe(name);
      const top = body.top as Top[];
      expect(top).toHaveLength(3);
      const probabilities = top.map((t) => t.probability);
      expect(probabilities.reduce((a, b) => a + b)).toBeLessThanOrEqual(1 + 1e-6);
      expect([...probabilities].sort((a, b) => b - a)).toEqual(probabilities);
      const node = (await ask('node', `?name=${encodeURIComponent(name)}`)).body.top as Top[];
      expect(top.map((t) => t.nationality)).toEqual(node.map((t) => t.nationality));
      top.forEach((t, i) => expect(t.probability).toBeCloseTo(node[i].probability, 6));
    }
    const rossi = (await ask(runtime, '?name=Rossi')).body.top as Top[];
    expect(rossi[0].nationality).toBe('Italian');
  });

  it('answers 400 with a JSON error for a missing, empty or over-long name', async () => {
    const cases: [string, string][] = [
      ['', 'missing query parameter: name (GET /classify?name=Rossi)'],
      ['?name=', 'name is empty'],
      ['?name=%20%20', 'name is empty'],
      [`?name=${'a'.repeat(51)}`, 'name is too long: 51 characters, at most 50'],
    ];
    for (const [query, error] of cases) {
      const { status, type, body } = await ask(runtime, query);
      expect(status).toBe(400);
      expect(type).toMatch(/^application\/json/);
      expect(body).toEqual({ error });
    }
  });
});
