import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  database: string;
  /** `jdbc:postgresql://127.0.0.1:<port>/postgres` */
  jdbcUrl: string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Stops the server by its PID and removes the data directory. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Runs a PostgreSQL binary; as root through `su postgres` because initdb and postgres refuse root. */
function run(binary: string, args: string[]): void {
  const command = [join(BIN, binary), ...args];
  if (process.getuid?.() === 0) {
    execFileSync('su', ['postgres', '-c', command.map(quote).join(' ')], { stdio: 'pipe' });
  } else {
    execFileSync(command[0]!, command.slice(1), { stdio: 'pipe' });
  }
}

/**
 * A throw-away PostgreSQL 15 cluster on 127.0.0.1 (ENVIRONMENT.md): initdb into a temp dir, trust auth, fsync off.
 * Call `stop()` in afterAll.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
    '-w',
    'start',
  ]);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const config = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };

  return {
    ...config,
    jdbcUrl: `jdbc:postgresql://127.0.0.1:${port}/postgres`,
    async query(sql, params) {
      const client = new pg.Client(config);
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    async stop() {
      // SIGINT is PostgreSQL's "fast shutdown"; wait for the postmaster to go so the directory can be removed.
      try {
        process.kill(pid, 'SIGINT');
      } catch {}
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
