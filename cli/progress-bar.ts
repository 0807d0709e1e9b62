/** One status line, redrawn in place on a terminal and printed only when it changes elsewhere. */
export class ProgressLine {
  private last = '';
  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  update(text: string): void {
    if (text === this.last) return;
    this.last = text;
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${text}`);
    else this.stream.write(`${text}\n`);
  }

  done(): void {
    if (this.stream.isTTY && this.last) this.stream.write('\n');
  }
}

/** `[██████░░░░░░]` for `done` out of `total`. */
export function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
