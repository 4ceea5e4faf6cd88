import { spawn, type ChildProcess } from 'node:child_process';
import xterm from '@xterm/headless';
import { tmatesBin } from './process.ts';

/**
 * `tmates …` in a real pseudo-terminal (util-linux `script` allocates it, so stdin and stdout are
 * TTYs and the CLI runs exactly as it does for a person), with what it writes rendered by a
 * headless xterm: tests read the screen a person would see, escape sequences applied.
 */
export interface TerminalProcess {
  child: ChildProcess;
  /** Types into the terminal (`\r` is Enter, `\x03` Ctrl-C, `\x04` Ctrl-D). */
  type(text: string): void;
  /** The rendered screen and scrollback, one string per row, trailing spaces trimmed. */
  rows(): string[];
  /** Resolves when the rendered text (rows joined by `\n`) matches `pattern`. */
  waitForScreen(pattern: RegExp, ms?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export function spawnInTerminal(args: string[], env: Record<string, string>, size = { cols: 80, rows: 24 }): TerminalProcess {
  const term = new xterm.Terminal({ cols: size.cols, rows: size.rows, scrollback: 1000, allowProposedApi: true });
  const command = `stty cols ${size.cols} rows ${size.rows}; exec ${[process.execPath, tmatesBin, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm-256color', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const waiters = new Set<() => void>();
  let raw = '';
  const onData = (data: Buffer) => {
    raw += data.toString();
    // xterm parses asynchronously: check the waiters once this chunk is on the screen.
    term.write(data, () => waiters.forEach((w) => w()));
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const rows = () => {
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push((buffer.getLine(i)?.translateToString(true) ?? '').trimEnd());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  };
  return {
    child,
    type: (text) => child.stdin!.write(text),
    rows,
    exited,
    waitForScreen(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${pattern} on the screen:\n${rows().join('\n')}\n(raw: ${JSON.stringify(raw.slice(-2000))})`));
        }, ms);
        const check = () => {
          if (pattern.test(rows().join('\n'))) {
            done();
            resolve();
          } else if (child.exitCode !== null) {
            done();
            reject(new Error(`the process exited (${child.exitCode}) before ${pattern} was on the screen:\n${rows().join('\n')}`));
          }
        };
        waiters.add(check);
        void exited.then(() => term.write('', check));
        check();
      });
    },
  };
}
