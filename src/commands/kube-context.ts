// What `nimble status` and `nimble cleanup` share: the cluster flags, the one parser, and how a
// kubectl/helm failure is said (its diagnosis and what to do), exit 1.

import { KubeCommandError, KubeExec } from '../kube/exec.ts';
import { parse, UsageError } from '../cli/args.ts';
import { processIo, type CommandIo } from './io.ts';

export const KUBE_FLAGS = {
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  kubectl: { type: 'string' },
  helm: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** One line to stdout or stderr. */
export const out = (io: CommandIo, s: string) => void io.stdout.write(`${s}\n`);
export const err = (io: CommandIo, s: string) => void io.stderr.write(`${s}\n`);

type Options = Parameters<typeof parse>[1];
type Values<O extends Options> = ReturnType<typeof parse<O>>['values'];

/**
 * Parses the flags (a wrong one: `nimble <name>: …` on stderr, exit 2; --help: the usage, exit 0)
 * and runs the body against the cluster those flags name.
 */
export async function kubeCommand<O extends Options>(
  name: string,
  argv: string[],
  io: CommandIo | undefined,
  options: O,
  usage: string,
  body: (f: Values<O>, exec: KubeExec, io: CommandIo) => Promise<number>,
): Promise<number> {
  const theIo = io ?? processIo();
  let f: Values<O>;
  try {
    f = parse(argv, options, usage).values;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(theIo, `nimble ${name}: ${e.message}`);
    return 2;
  }
  const v = f as Record<string, string | boolean | undefined>;
  if (v.help) {
    out(theIo, usage);
    return 0;
  }
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const exec = new KubeExec({ kubeconfig: str('kubeconfig'), context: str('context'), kubectl: str('kubectl'), helm: str('helm'), env: theIo.env });
  try {
    return await body(f, exec, theIo);
  } catch (e) {
    if (e instanceof KubeCommandError) {
      err(theIo, `nimble: ${e.diagnosis.title}: ${e.diagnosis.evidence}`);
      err(theIo, `  what to do: ${e.diagnosis.fix}`);
    } else err(theIo, `nimble: ${(e as Error)?.message ?? e}`);
    return 1;
  }
}
