/** The same test Ink uses (is-in-ci) to decide it may only write the final frame. */
export function inCi(env: NodeJS.ProcessEnv): boolean {
  const on = (k: string) => k in env && env[k] !== '0' && env[k] !== 'false';
  return on('CI') || on('CONTINUOUS_INTEGRATION');
}
