// Registers the option table's config flags (`--max-retry-times N`, ...) as global options and
// reads their values back for loadConfig(). Values stay strings: the table parses them, so a bad
// flag value gets the same one-line error as a bad variable.
import { Option, type Command } from 'commander';
import { configFlags } from '../config/options.ts';
import type { SettingFlags } from './context.ts';

/** Adds one global option per config flag of the option table, with its default in the help. */
export function addSettingFlags(program: Command): void {
  for (const flag of configFlags()) {
    const help = `${flag.help.replaceAll('`', '')} (default: ${flag.defaultText})`;
    program.addOption(new Option(`${flag.flag} <${flag.placeholder}>`, help));
  }
}

/** The config flags given on the command line, keyed by option id (= the flag's camelCase). */
export function readSettingFlags(program: Command): SettingFlags {
  const given = program.opts<Record<string, unknown>>();
  const out: Record<string, string> = {};
  for (const flag of configFlags()) {
    const value = given[flag.id];
    if (typeof value === 'string') out[flag.id] = value;
  }
  return out;
}
