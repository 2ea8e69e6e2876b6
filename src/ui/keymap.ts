// The one table of key bindings. The key bar, the `?` help overlay and the input handler are all
// generated from it, so a binding cannot be documented one way and behave another.

export type ViewId = 'timeline' | 'smoke' | 'sweep' | 'cleanup' | 'summary' | 'logs';

export const VIEW_ORDER: readonly ViewId[] = ['timeline', 'smoke', 'sweep', 'cleanup', 'summary', 'logs'];
export const VIEW_LABEL: Record<ViewId, string> = {
  timeline: 'Timeline',
  smoke: 'Smoke',
  sweep: 'Sweep',
  cleanup: 'Cleanup',
  summary: 'Summary',
  logs: 'Logs',
};

export type KeyAction =
  | { type: 'view'; view: ViewId }
  | { type: 'follow' }
  | { type: 'cycle-metric' }
  | { type: 'help' }
  | { type: 'close' }
  | { type: 'quit' }
  | { type: 'confirm-yes' }
  | { type: 'confirm-no' };

/** Where a binding applies: everywhere, one view, the help overlay, or the quit question. */
export type KeyScope = 'global' | ViewId | 'help' | 'confirm';

export interface KeyBinding {
  /** The input character Ink reports (or 'escape'). */
  key: string;
  /** How the key is written for the user. */
  label: string;
  description: string;
  /** Short form for the key bar. */
  short: string;
  scope: KeyScope;
  action: KeyAction;
}

export const KEYMAP: readonly KeyBinding[] = [
  ...VIEW_ORDER.map(
    (view, i): KeyBinding => ({
      key: String(i + 1),
      label: String(i + 1),
      description: `Show the ${VIEW_LABEL[view].toLowerCase()} view`,
      short: VIEW_LABEL[view],
      scope: 'global',
      action: { type: 'view', view },
    }),
  ),
  { key: 'f', label: 'f', description: 'Follow the session again (view switches with the stage)', short: 'follow', scope: 'global', action: { type: 'follow' } },
  { key: 't', label: 't', description: 'Cycle the chart metric: TTFT p95 → TPOT → output tok/s', short: 'metric', scope: 'sweep', action: { type: 'cycle-metric' } },
  { key: '?', label: '?', description: 'Show or hide this help', short: 'help', scope: 'global', action: { type: 'help' } },
  { key: 'q', label: 'q', description: 'Quit (asks first while paid resources are running)', short: 'quit', scope: 'global', action: { type: 'quit' } },
  { key: 'escape', label: 'Esc', description: 'Close the help', short: 'close', scope: 'help', action: { type: 'close' } },
  { key: 'y', label: 'y', description: 'Yes: clean up and quit', short: 'yes, clean up and quit', scope: 'confirm', action: { type: 'confirm-yes' } },
  { key: 'n', label: 'n', description: 'No: keep going', short: 'no', scope: 'confirm', action: { type: 'confirm-no' } },
  { key: 'escape', label: 'Esc', description: 'Same as n', short: 'no', scope: 'confirm', action: { type: 'confirm-no' } },
];

export interface KeyContext {
  view: ViewId;
  help: boolean;
  confirming: boolean;
}

/** Bindings active right now, in table order. A modal (confirm, help) captures the keyboard. */
export function activeBindings(ctx: KeyContext, keymap: readonly KeyBinding[] = KEYMAP): KeyBinding[] {
  if (ctx.confirming) return keymap.filter((b) => b.scope === 'confirm');
  if (ctx.help) return keymap.filter((b) => b.scope === 'help' || (b.scope === 'global' && (b.action.type === 'help' || b.action.type === 'quit')));
  return keymap.filter((b) => b.scope === 'global' || b.scope === ctx.view);
}

/** The action for a key press in this context, or null. `input` is Ink's input string. */
export function resolveKey(input: string, escape: boolean, ctx: KeyContext, keymap: readonly KeyBinding[] = KEYMAP): KeyAction | null {
  const key = escape ? 'escape' : input;
  const b = activeBindings(ctx, keymap).find((x) => x.key === key);
  return b ? b.action : null;
}

export const SCOPE_TITLE: Record<KeyScope, string> = {
  global: 'Everywhere',
  timeline: 'Timeline view',
  smoke: 'Smoke view',
  sweep: 'Sweep view',
  cleanup: 'Cleanup view',
  summary: 'Summary view',
  logs: 'Logs view',
  help: 'In this help',
  confirm: 'When asked to quit',
};

/** Help sections: bindings grouped by scope, in the order the scopes first appear. */
export function helpSections(keymap: readonly KeyBinding[] = KEYMAP): { title: string; bindings: KeyBinding[] }[] {
  const order: KeyScope[] = [];
  for (const b of keymap) if (!order.includes(b.scope)) order.push(b.scope);
  return order.map((scope) => ({ title: SCOPE_TITLE[scope], bindings: keymap.filter((b) => b.scope === scope) }));
}
