// Reading a password for `carbonio login`: on a terminal, asked on stderr with echo off (raw mode,
// so the characters typed are never shown); otherwise the first line of stdin, so scripts can pipe it
// (`printf '%s\n' "$PW" | carbonio login ...`) without putting it on the command line.

/** Ctrl-C while asking: the conventional exit status of SIGINT. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export function readPassword(prompt: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  return stdin.isTTY ? readFromTerminal(prompt, stdin, stderr) : readFirstLine(stdin);
}

function readFromTerminal(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err: Error | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new Interrupted('interrupted'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function readFirstLine(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    if ((chunk as Buffer).includes(10)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const nl = text.indexOf('\n');
  return (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');
}
