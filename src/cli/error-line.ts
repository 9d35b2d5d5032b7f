// How an error reads on one line, everywhere the CLI prints one: `<message>. Hint: <hint>`.
import { printable } from '../shared/display.ts';

/**
 * Folds line breaks (and the blanks around them) into single spaces, and escapes any other
 * control character (a key or a server message can carry terminal escapes).
 */
export function oneLine(text: string): string {
  return printable(text.replace(/\s*[\r\n]+\s*/g, ' ').trim());
}

/** `s3ferry: warning: MESSAGE` on one line, control characters escaped (a warning may name a key). */
export function warningLine(message: string): string {
  return `s3ferry: warning: ${oneLine(message)}\n`;
}

/** `message. Hint: hint` on one line; no extra period when the message already ends a sentence. */
export function messageWithHint(message: string, hint: string | undefined): string {
  const text = oneLine(message);
  if (hint === undefined) return text;
  return `${text}${/[.!?:]$/.test(text) ? '' : '.'} Hint: ${oneLine(hint)}`;
}
