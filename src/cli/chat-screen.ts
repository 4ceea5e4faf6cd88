import readline from 'node:readline';

/**
 * The terminal side of `tmates chat`: text arriving from the server (streamed replies, which may
 * stop mid-line) and the line the person is typing share one screen.
 *
 * On a terminal, readline owns the bottom of the screen: a prompt (`> `) and the line being typed.
 * The unfinished last line of the output (the "tail" of a reply still being written) is drawn as
 * the first row of readline's prompt, so it stays above what the person types; finished lines are
 * written above both, and the prompt is redrawn after every change. Long lines are wrapped at word
 * boundaries so that the tail never takes more than one row. Without a terminal (piped input or
 * output) the text is written as it comes and there is no prompt.
 */
export interface ChatScreen {
  /** Output that continues the current line; it may end mid-line (a reply being streamed). */
  print(text: string): void;
  /** Ends the current output line, if one is open. */
  endLine(): void;
  /** Lines the person enters, until they close the input (Ctrl-D, end of a pipe) or `close()`. */
  lines(): AsyncIterable<string>;
  /** True when input comes from a person at a terminal (leave at once, rather than wait for replies). */
  readonly interactive: boolean;
  /** Gives the terminal back (cooked mode, input released) and prints nothing more. */
  close(): void;
}

const PROMPT = '> ';

/** Commands offered by Tab completion. */
const COMMANDS = ['/stop', '/reset', '/quit'];

export function createChatScreen(options: {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Called when the person presses Ctrl-C on an empty line. */
  onInterrupt?: () => void;
}): ChatScreen {
  const { input, output } = options;
  const terminal = Boolean((input as { isTTY?: boolean }).isTTY && (output as { isTTY?: boolean }).isTTY);
  return terminal ? terminalScreen(input, output as NodeJS.WriteStream, options.onInterrupt) : plainScreen(input, output);
}

function plainScreen(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): ChatScreen {
  const rl = readline.createInterface({ input, terminal: false });
  let lineOpen = false;
  let closed = false;
  return {
    interactive: false,
    print(text) {
      if (closed || !text) return;
      output.write(text);
      lineOpen = !text.endsWith('\n');
    },
    endLine() {
      if (lineOpen) this.print('\n');
    },
    lines: () => rl,
    close() {
      closed = true;
      rl.close();
    },
  };
}

function terminalScreen(input: NodeJS.ReadableStream, output: NodeJS.WriteStream, onInterrupt?: () => void): ChatScreen {
  const rl = readline.createInterface({
    input,
    output,
    terminal: true,
    prompt: PROMPT,
    historySize: 100,
    completer: (line: string) => [line.startsWith('/') ? COMMANDS.filter((c) => c.startsWith(line)) : [], line],
  });
  let tail = ''; // the unfinished last line of the output, drawn above the prompt
  let closed = false;
  let rowsAtSubmit = 0;

  const columns = () => Math.max(20, output.columns || 80);
  const promptText = () => (tail ? `${tail}\n${PROMPT}` : PROMPT);

  /** Erases readline's rows (tail, prompt, typed line), writes `finished`, and draws them again. */
  function redraw(finished: string) {
    const { rows } = rl.getCursorPos(); // rows from the top of the prompt to the cursor
    readline.moveCursor(output, 0, -rows);
    readline.cursorTo(output, 0);
    readline.clearScreenDown(output);
    output.write(finished);
    // readline moves up as many rows as the cursor was below the prompt's top at its last redraw;
    // these blank rows are what it moves back over (and clears).
    output.write('\n'.repeat(rows));
    rl.setPrompt(promptText());
    rl.prompt(true);
  }

  /** Splits `text` (the tail plus new output) into whole lines to write and the new tail. */
  function layout(text: string): { finished: string; rest: string } {
    const width = columns() - 1;
    let finished = '';
    const lines = text.split('\n');
    let rest = lines.pop()!;
    for (const line of lines) finished += `${wrap(line, width).join('\n')}\n`;
    const wrapped = wrap(rest, width);
    rest = wrapped.pop()!;
    for (const line of wrapped) finished += `${line}\n`;
    return { finished, rest };
  }

  // Remember how many rows the submitted line took, to replace it (and the tail above it) once
  // readline has moved below it: the line is then echoed above the tail, where output goes.
  (input as NodeJS.EventEmitter).prependListener('keypress', (_text: string, key?: { name?: string }) => {
    if (key?.name === 'return' || key?.name === 'enter') rowsAtSubmit = rl.getCursorPos().rows;
  });
  rl.on('line', (line: string) => {
    if (closed) return;
    readline.moveCursor(output, 0, -(rowsAtSubmit + 1));
    readline.cursorTo(output, 0);
    readline.clearScreenDown(output);
    output.write(line.trim() ? `${PROMPT}${line}\n` : '');
    rl.setPrompt(promptText());
    rl.prompt();
  });
  rl.on('SIGINT', () => {
    if (rl.line) {
      // Ctrl-C with something typed drops it, as in a shell.
      rl.write(null, { ctrl: true, name: 'u' });
      return;
    }
    onInterrupt?.();
  });

  rl.setPrompt(promptText());
  rl.prompt();
  return {
    interactive: true,
    print(text) {
      if (closed || !text) return;
      const { finished, rest } = layout(tail + text);
      tail = rest;
      redraw(finished);
    },
    endLine() {
      if (tail) this.print('\n');
    },
    lines: () => rl,
    close() {
      if (closed) return;
      closed = true;
      // Leave the tail and a clean line behind, and the terminal in cooked mode.
      const { rows } = rl.getCursorPos();
      readline.moveCursor(output, 0, -rows);
      readline.cursorTo(output, 0);
      readline.clearScreenDown(output);
      if (tail) output.write(`${tail}\n`);
      tail = '';
      rl.setPrompt('');
      rl.close();
    },
  };
}

/** Word-wraps one line to `width` columns (hard-cuts words longer than a row). */
export function wrap(line: string, width: number): string[] {
  const rows: string[] = [];
  let rest = line;
  while ([...rest].length > width) {
    const chars = [...rest];
    const head = chars.slice(0, width + 1).join('');
    const space = head.lastIndexOf(' ');
    if (space > 0) {
      rows.push(head.slice(0, space));
      rest = rest.slice(space + 1);
    } else {
      const cut = chars.slice(0, width).join('');
      rows.push(cut);
      rest = rest.slice(cut.length);
    }
  }
  rows.push(rest);
  return rows;
}
