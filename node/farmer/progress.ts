/**
 * Plotting progress on stderr: one bar rewritten in place on a terminal, and on a pipe (logs, CI)
 * a line at each quarter of a sector so the output stays short.
 */
export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

const WIDTH = 24;

export class ProgressBar {
  private lastQuarter = -1;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly sink: ProgressSink = { isTTY: process.stderr.isTTY === true, write: (t) => void process.stderr.write(t) },
  ) {}

  /** `done` of `total` units; `note` is appended (e.g. "sector 1/3"). */
  update(done: number, total: number, note = ""): void {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(frac * WIDTH);
    const line = `${this.label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done}/${total}${note ? ` ${note}` : ""}`;
    if (this.sink.isTTY) {
      this.sink.write(`\r${line}\x1b[K`);
      this.drawn = true;
      if (frac === 1) this.end();
      return;
    }
    const quarter = Math.floor(frac * 4);
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      this.sink.write(`${line}\n`);
    }
  }

  /** Starts a new unit (sector): the next update prints again on a pipe. */
  reset(): void {
    this.lastQuarter = -1;
  }

  end(): void {
    if (this.sink.isTTY && this.drawn) this.sink.write("\n");
    this.drawn = false;
  }
}
