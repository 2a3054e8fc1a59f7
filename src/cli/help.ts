/**
 * The one `--help` layout every command uses: usage lines, what the command does, option sections (each option
 * on its own line: the flag and its value in upper case, the text wrapped in a column of its own), notes, and the
 * exit codes as a table. Commands give data; this formats it, so every help reads alike.
 */

/** One option: the flag with the value it takes (`--n N`), and what it does (wrapped here). */
export type HelpOption = readonly [flag: string, text: string];

/** A titled group of options, or of text (an example, a grammar). */
export interface HelpSection {
  title: string;
  options?: readonly HelpOption[];
  /** Lines printed as they are, indented by two spaces (one too long for the width is wrapped). */
  lines?: readonly string[];
}

/** What a command's help says. */
export interface HelpSpec {
  /** `coldprobe burst [options]`; further lines are alternatives or continuations. */
  usage: readonly string[];
  /** What the command does: one paragraph, wrapped here. */
  about: string;
  sections: readonly HelpSection[];
  /** Paragraphs after the options (wrapped here). */
  notes?: readonly string[];
  exitCodes: ReadonlyArray<readonly [code: number, meaning: string]>;
}

/** Every help line fits this many columns. */
export const HELP_WIDTH = 100;
/** The column option texts start at. */
const TEXT_COLUMN = 27;

/** Words of `text` in lines of at most `width` columns (a word longer than that gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function optionLines([flag, text]: HelpOption): string[] {
  const head = `  ${flag}`;
  const body = wrap(text, HELP_WIDTH - TEXT_COLUMN);
  const indent = ' '.repeat(TEXT_COLUMN);
  // A flag too long for its column puts its text on the lines below.
  if (head.length >= TEXT_COLUMN - 1) return [head, ...body.map((l) => indent + l)];
  const [first = '', ...rest] = body;
  return [head.padEnd(TEXT_COLUMN) + first, ...rest.map((l) => indent + l)];
}

/** The help text of one command. */
export function formatHelp(spec: HelpSpec): string {
  const [first, ...more] = spec.usage;
  const out: string[] = [`Usage: ${first ?? ''}`, ...more.map((u) => `       ${u}`), '', ...wrap(spec.about, HELP_WIDTH)];
  for (const section of spec.sections) {
    out.push('', `${section.title}:`);
    for (const option of section.options ?? []) out.push(...optionLines(option));
    for (const line of section.lines ?? []) {
      // A line too long for the width (a list of every metric) continues indented.
      const [head = '', ...rest] = line.length + 2 > HELP_WIDTH ? wrap(line, HELP_WIDTH - 4) : [line];
      out.push(`  ${head}`, ...rest.map((l) => `    ${l}`));
    }
  }
  for (const note of spec.notes ?? []) out.push('', ...wrap(note, HELP_WIDTH));
  out.push('', 'Exit codes:');
  const codeWidth = Math.max(...spec.exitCodes.map(([code]) => String(code).length));
  for (const [code, meaning] of spec.exitCodes) {
    const lead = `  ${String(code).padStart(codeWidth)}  `;
    const [line1 = '', ...rest] = wrap(meaning, HELP_WIDTH - lead.length);
    out.push(lead + line1, ...rest.map((l) => ' '.repeat(lead.length) + l));
  }
  return out.join('\n');
}

/** Exit codes every command that runs invocations shares. */
export const EXIT = {
  ok: [0, 'ok'],
  internal: [1, 'internal error (a bug: please report it)'],
  usage: [2, 'bad input: a flag, value, file or profile (one sentence says which); nothing was sent'],
  unavailable: [3, 'target unavailable: no credentials or region, a function that does not exist, the emulator failed; or a clean-up step failed'],
  threshold: [10, 'a threshold failed (results were written)'],
  interrupted: [130, 'interrupted: partial results written, changes put back'],
} as const satisfies Record<string, readonly [number, string]>;

/** The target options `burst`, and `load` on the Invoke API, take. */
export const TARGET_OPTIONS: readonly HelpOption[] = [
  ['--target emulator|aws', 'where to invoke (default emulator)'],
  ['--region R', "aws region (default: the function ARN's, else AWS_REGION or your profile's region)"],
  ['--aws-profile P', 'shared-config profile (default: AWS_PROFILE or the default chain)'],
  [
    '--endpoint-url URL',
    "aws: send to this endpoint instead of AWS's (LocalStack, `coldprobe emulator`); AWS_ENDPOINT_URL_LAMBDA works too; recorded in the results file",
  ],
  ['--ca-bundle FILE', "aws: trust the certificates in this PEM file (as the AWS CLI's option; default AWS_CA_BUNDLE), e.g. `coldprobe emulator --tls`'s"],
  ['--functions DIR', 'emulator: folder of function folders (default profiles/functions; repeatable)'],
  ['--idle-ttl DURATION', "emulator: reap idle environments after this long (default: the emulator's)"],
  ['--init-concurrency K', 'emulator: environments allowed to initialise at once (default: CPU count)'],
  [
    '--no-cpu-quota',
    'emulator: every memory size gets the same CPU (default: CPU share proportional to memory through cgroups, as on Lambda, where the machine allows it)',
  ],
  ['--yes', 'do not ask before changing a real AWS function (the changes are listed first)'],
];

/** The output options of the commands that run invocations (their --out default differs, so it is theirs). */
export const OUTPUT_OPTIONS: readonly HelpOption[] = [
  ['--json', 'print the summary as JSON on stdout (progress goes to stderr)'],
  ['--no-tui', 'plain progress lines instead of the live view'],
  ['--no-color', 'no ANSI colour (NO_COLOR is honoured too)'],
];
