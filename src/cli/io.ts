// The CLI's only way to print. Every write passes through a redactor that blanks the secrets the
// current command has seen, so a secret cannot leak even through an unexpected error or stack.

/** Where the CLI writes. `main.ts` binds it to the process; tests capture it. */
export type CliIo = {
  writeOut(text: string): void;
  writeErr(text: string): void;
};

/** A {@link CliIo} that replaces registered secrets with `****` before writing. */
export type RedactingIo = CliIo & {
  /** Registers a secret value (secret key, session token) that must never be printed. */
  addSecret(value: string | undefined): void;
  /** Applies the redaction to a string (exposed for tests). */
  redact(text: string): string;
};

// Very short values would blank ordinary words; real secrets and tokens are far longer.
const MIN_SECRET_LENGTH = 4;

/** Wraps `sink` with secret redaction. */
export function createRedactingIo(sink: CliIo): RedactingIo {
  const secrets = new Set<string>();
  const redact = (text: string): string => {
    let out = text;
    // Longest first, so a secret that contains another is blanked whole.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join('****');
    }
    return out;
  };
  return {
    addSecret(value) {
      if (value !== undefined && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
    },
    redact,
    writeOut(text) {
      sink.writeOut(redact(text));
    },
    writeErr(text) {
      sink.writeErr(redact(text));
    },
  };
}
