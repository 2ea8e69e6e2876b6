// The one table of key bindings, one group per screen (live run, replay, sessions browser, compare,
// the deploy question). The key bar, the `?` help overlay and every input handler are generated
// from it, so a binding cannot be documented one way and behave another.

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
  | { type: 'confirm-no' }
  // replay
  | { type: 'play-pause' }
  | { type: 'step' }
  | { type: 'seek'; by: 'back' | 'forward' | 'start' | 'end' }
  | { type: 'speed' }
  // sessions browser
  | { type: 'cursor'; by: -1 | 1 }
  | { type: 'sort' }
  | { type: 'filter' }
  | { type: 'filter-done' }
  | { type: 'mark' }
  | { type: 'open' }
  | { type: 'compare' }
  | { type: 'delete' }
  // compare
  | { type: 'page' }
  | { type: 'cycle-shape' };

/**
 * Where a binding applies: the whole screen ('global'), the replay player, one live view, the
 * help overlay, a yes/no question, or while typing a filter. Modal scopes capture the keyboard.
 */
export type KeyScope = 'global' | 'player' | ViewId | 'help' | 'confirm' | 'filter';

export interface KeyBinding {
  /** The key id (see keyId): an input character, or escape, return, tab, space, up, down, left, right. */
  key: string;
  /** Other keys doing the same (vi keys, Esc for n). */
  alt?: readonly string[];
  /** How the key is written for the user. */
  label: string;
  description: string;
  /** Short form for the key bar. */
  short: string;
  scope: KeyScope;
  action: KeyAction;
  /** Left out of the key bar (still in `?`): rarely needed keys on a crowded bar. */
  barHidden?: boolean;
}

/** A screen's bindings and the titles its help gives each scope. */
export interface Keymap {
  id: 'live' | 'replay' | 'browser' | 'compare' | 'deploy';
  bindings: readonly KeyBinding[];
  titles: Partial<Record<KeyScope, string>>;
}

/** The key id of one of Ink's useInput calls. */
export function keyId(
  input: string,
  key: { escape?: boolean; return?: boolean; tab?: boolean; upArrow?: boolean; downArrow?: boolean; leftArrow?: boolean; rightArrow?: boolean; backspace?: boolean; delete?: boolean },
): string {
  if (key.escape) return 'escape';
  if (key.return) return 'return';
  if (key.tab) return 'tab';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.backspace || key.delete) return 'backspace';
  if (input === ' ') return 'space';
  return input;
}

const VIEW_KEYS: KeyBinding[] = VIEW_ORDER.map(
  (view, i): KeyBinding => ({
    key: String(i + 1),
    label: String(i + 1),
    description: `Show the ${VIEW_LABEL[view].toLowerCase()} view`,
    short: VIEW_LABEL[view],
    scope: 'global',
    action: { type: 'view', view },
  }),
);
const HELP: KeyBinding = { key: '?', label: '?', description: 'Show or hide this help', short: 'help', scope: 'global', action: { type: 'help' } };
const CLOSE_HELP: KeyBinding = { key: 'escape', label: 'Esc', description: 'Close the help', short: 'close', scope: 'help', action: { type: 'close' } };
const METRIC: KeyBinding = { key: 't', label: 't', description: 'Cycle the chart metric: TTFT p95 → TPOT → output tok/s', short: 'metric', scope: 'sweep', action: { type: 'cycle-metric' } };
const FOLLOW = (what: string): KeyBinding => ({ key: 'f', label: 'f', description: `Follow the ${what} again (view switches with the stage)`, short: 'follow', scope: 'global', action: { type: 'follow' } });

export const LIVE_KEYMAP: Keymap = {
  id: 'live',
  bindings: [
    ...VIEW_KEYS,
    FOLLOW('session'),
    METRIC,
    HELP,
    { key: 'q', label: 'q', description: 'Quit (asks first while paid resources are running)', short: 'quit', scope: 'global', action: { type: 'quit' } },
    CLOSE_HELP,
    { key: 'y', label: 'y', description: 'Yes: clean up and quit', short: 'yes, clean up and quit', scope: 'confirm', action: { type: 'confirm-yes' } },
    { key: 'n', label: 'n', alt: ['escape'], description: 'No: keep going (Esc too)', short: 'no', scope: 'confirm', action: { type: 'confirm-no' } },
  ],
  titles: { confirm: 'When asked to quit' },
};

/** The key that shows `view` (for a view's text that points to another view). */
export function viewKey(view: ViewId): string {
  return VIEW_KEYS.find((b) => b.action.type === 'view' && b.action.view === view)!.label;
}

/** The live run's bindings (the name the views and tests have always used). */
export const KEYMAP = LIVE_KEYMAP.bindings;

/** The question before anything paid is created (nimble run on a cluster, in the TUI). */
export const DEPLOY_KEYMAP: Keymap = {
  id: 'deploy',
  bindings: [
    { key: 'y', label: 'y', description: 'Deploy: create the GPU pod, load balancer and volume (they cost money until cleanup)', short: 'deploy', scope: 'confirm', action: { type: 'confirm-yes' } },
    { key: 'n', label: 'n', alt: ['q', 'escape'], description: 'Do not deploy: quit with nothing created (q and Esc too)', short: 'quit, nothing created', scope: 'confirm', action: { type: 'confirm-no' } },
  ],
  titles: { confirm: 'Deploy a NIM?' },
};

/** Replay: the live views plus the player. `back`: q returns to the sessions browser. */
export function replayKeymap(back = false): Keymap {
  return {
    id: 'replay',
    bindings: [
      ...VIEW_KEYS,
      FOLLOW('replay'),
      HELP,
      back
        ? { key: 'q', label: 'q', description: 'Back to the sessions (a recording: nothing to clean up)', short: 'back', scope: 'global', action: { type: 'quit' } }
        : { key: 'q', label: 'q', description: 'Quit (a recording: nothing to clean up)', short: 'quit', scope: 'global', action: { type: 'quit' } },
      { key: 'space', label: 'space', description: 'Play / pause', short: 'play/pause', scope: 'player', action: { type: 'play-pause' } },
      { key: '.', label: '.', description: 'Step: the next event (pauses)', short: 'step', scope: 'player', action: { type: 'step' } },
      { key: 'left', label: '←', description: 'Seek back (a twentieth of the session)', short: 'rewind', scope: 'player', action: { type: 'seek', by: 'back' } },
      { key: 'right', label: '→', description: 'Seek forward (a twentieth)', short: 'fwd', scope: 'player', action: { type: 'seek', by: 'forward' } },
      { key: '0', label: '0', description: 'Seek to the start', short: 'start', scope: 'player', action: { type: 'seek', by: 'start' }, barHidden: true },
      { key: '$', label: '$', description: 'Seek to the end', short: 'end', scope: 'player', action: { type: 'seek', by: 'end' }, barHidden: true },
      // Number keys switch views, so speed has its own key.
      { key: 'x', label: 'x', description: 'Speed: 1× → 10× → 100× → step', short: 'speed', scope: 'player', action: { type: 'speed' } },
      METRIC,
      CLOSE_HELP,
    ],
    titles: { player: 'Replay player' },
  };
}

export const BROWSER_KEYMAP: Keymap = {
  id: 'browser',
  bindings: [
    { key: 'up', alt: ['k'], label: '↑/k', description: 'Move up', short: 'up', scope: 'global', action: { type: 'cursor', by: -1 }, barHidden: true },
    { key: 'down', alt: ['j'], label: '↓/j', description: 'Move down', short: 'down', scope: 'global', action: { type: 'cursor', by: 1 }, barHidden: true },
    { key: 'return', label: 'enter', description: 'Replay the session', short: 'replay', scope: 'global', action: { type: 'open' } },
    { key: 'space', label: 'space', description: 'Mark / unmark the session (for compare)', short: 'mark', scope: 'global', action: { type: 'mark' } },
    { key: 'c', label: 'c', description: 'Compare the marked sessions (two or more)', short: 'compare', scope: 'global', action: { type: 'compare' } },
    { key: 's', label: 's', description: 'Sort: date → cost → deploy → total → model', short: 'sort', scope: 'global', action: { type: 'sort' } },
    { key: '/', label: '/', description: 'Filter: type words matching id, mode, model, GPU or status', short: 'filter', scope: 'global', action: { type: 'filter' } },
    { key: 'd', label: 'd', description: 'Delete the session folder (asks first)', short: 'delete', scope: 'global', action: { type: 'delete' } },
    HELP,
    { key: 'q', label: 'q', description: 'Quit', short: 'quit', scope: 'global', action: { type: 'quit' } },
    { key: 'return', alt: ['escape'], label: 'enter', description: 'Done typing the filter (Esc too)', short: 'done', scope: 'filter', action: { type: 'filter-done' } },
    { key: 'y', label: 'y', description: 'Yes: delete it', short: 'yes, delete', scope: 'confirm', action: { type: 'confirm-yes' } },
    { key: 'n', label: 'n', alt: ['escape'], description: 'No: keep it (Esc too)', short: 'no', scope: 'confirm', action: { type: 'confirm-no' } },
    CLOSE_HELP,
  ],
  titles: { global: 'Sessions', filter: 'While typing a filter', confirm: 'When asked to delete' },
};

export function compareKeymap(back = false): Keymap {
  return {
    id: 'compare',
    bindings: [
      { key: 'tab', alt: ['1', '2'], label: 'tab', description: 'Other page, on a terminal too short for one (1, 2 pick one)', short: 'page', scope: 'global', action: { type: 'page' } },
      { key: 't', label: 't', description: 'Cycle the chart metric', short: 'metric', scope: 'global', action: { type: 'cycle-metric' } },
      { key: 's', label: 's', description: 'Cycle the workload shape', short: 'shape', scope: 'global', action: { type: 'cycle-shape' } },
      HELP,
      back
        ? { key: 'q', label: 'q', description: 'Back to the sessions', short: 'back', scope: 'global', action: { type: 'quit' } }
        : { key: 'q', label: 'q', description: 'Quit', short: 'quit', scope: 'global', action: { type: 'quit' } },
      CLOSE_HELP,
    ],
    titles: { global: 'Compare' },
  };
}

export interface KeyContext {
  /** The live view shown (live run and replay). */
  view?: ViewId;
  help: boolean;
  /** A yes/no question is asked (quit, deploy, delete). */
  confirming: boolean;
  /** Typing a filter: other keys are text. */
  typing?: boolean;
  /** Scopes also active (a load run's summary shows the chart over time: the sweep's t works). */
  also?: readonly KeyScope[];
}

const bindingsOf = (k: Keymap | readonly KeyBinding[]) => ('bindings' in k ? k.bindings : k);

/** Bindings active right now, in table order. A modal (question, help, filter) captures the keyboard. */
export function activeBindings(ctx: KeyContext, keymap: Keymap | readonly KeyBinding[] = LIVE_KEYMAP): KeyBinding[] {
  const all = bindingsOf(keymap);
  if (ctx.confirming) return all.filter((b) => b.scope === 'confirm');
  if (ctx.help) return all.filter((b) => b.scope === 'help' || (b.scope === 'global' && (b.action.type === 'help' || b.action.type === 'quit')));
  if (ctx.typing) return all.filter((b) => b.scope === 'filter');
  return all.filter((b) => b.scope === 'global' || b.scope === 'player' || b.scope === ctx.view || ctx.also?.includes(b.scope));
}

/** The action for a key (a keyId) in this context, or null. */
export function resolveKey(key: string, ctx: KeyContext, keymap: Keymap | readonly KeyBinding[] = LIVE_KEYMAP): KeyAction | null {
  const b = activeBindings(ctx, keymap).find((x) => x.key === key || x.alt?.includes(key));
  return b ? b.action : null;
}

export const SCOPE_TITLE: Record<KeyScope, string> = {
  global: 'Everywhere',
  player: 'Player',
  timeline: 'Timeline view',
  smoke: 'Smoke view',
  sweep: 'Sweep view',
  cleanup: 'Cleanup view',
  summary: 'Summary view',
  logs: 'Logs view',
  help: 'In this help',
  confirm: 'When asked',
  filter: 'Filter',
};

/** Help sections: bindings grouped by scope, in the order the scopes first appear. */
export function helpSections(keymap: Keymap | readonly KeyBinding[] = LIVE_KEYMAP): { title: string; bindings: KeyBinding[] }[] {
  const all = bindingsOf(keymap);
  const titles = 'bindings' in keymap ? keymap.titles : LIVE_KEYMAP.titles;
  const order: KeyScope[] = [];
  for (const b of all) if (!order.includes(b.scope)) order.push(b.scope);
  return order.map((scope) => ({ title: titles[scope] ?? SCOPE_TITLE[scope], bindings: all.filter((b) => b.scope === scope) }));
}
