/**
 * A one-line progress bar on stderr (redrawn in place on a terminal, a line every
 * few seconds otherwise, so CI logs stay short).
 */
const WIDTH = 28;

export class Progress {
  private lastLine = 0;
  private drawn = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string) {}

  /** @param done how far along, 0..total; `detail` follows the bar */
  update(done: number, total: number, detail = ''): void {
    const now = Date.now();
    if (!this.tty && now - this.lastLine < 5_000) return;
    this.lastLine = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}`;
    const line = `${this.label} [${bar}] ${String(Math.round(fraction * 100)).padStart(3)}% ${detail}`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  done(summary: string): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`${this.label} ${summary}\n`);
  }
}
