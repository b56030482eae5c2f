/** Where progress goes: `process.stdout`, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Prints the progress of a long job (resync, import) for a person or for a log file. */
export interface ProgressLine {
  /**
   * Shows `text` as the progress of `step` (e.g. the object being imported). A new step starts a new
   * line, so a finished step keeps its own final figures on screen.
   */
  show(step: string, text: string): void;
  /** Ends the current line; call once the job is over. */
  end(): void;
}

/**
 * On a terminal, one line per step redrawn in place with `\r`. Anywhere else (a pipe, a CI log, a
 * file) `\r` redraws pile up into one unreadable line, so each change is printed on a line of its own,
 * and an unchanged figure is not printed again.
 */
export function progressLine(stream: ProgressStream = process.stdout): ProgressLine {
  let step: string | undefined;
  let last: string | undefined;
  let width = 0;
  let open = false;
  return {
    show(nextStep, text) {
      if (stream.isTTY) {
        if (open && nextStep !== step) stream.write('\n');
        else if (open) stream.write('\r');
        // Pad over the previous text, which may have been longer.
        stream.write(nextStep === step ? text.padEnd(width) : text);
        width = text.length;
        open = true;
      } else if (text !== last) {
        stream.write(`${text}\n`);
      }
      step = nextStep;
      last = text;
    },
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
