// The key bar, generated from the keymap: what the keys do right now, the current view marked.

import React from 'react';
import { Text } from 'ink';
import { activeBindings, LIVE_KEYMAP, type KeyBinding, type KeyContext, type Keymap } from '../keymap.ts';
import { stringWidth } from '../format.ts';
import { useTheme } from '../theme.ts';

export interface KeyBarProps extends KeyContext {
  width: number;
  /** Whether the view follows the session's stage (f re-enables it). */
  following?: boolean;
  keymap?: Keymap | readonly KeyBinding[];
}

export function keyBarItems(ctx: KeyContext, following = true, keymap: Keymap | readonly KeyBinding[] = LIVE_KEYMAP): KeyBinding[] {
  // "follow" is only worth a slot when the user has left follow mode.
  return activeBindings(ctx, keymap).filter((b) => !b.barHidden && !(b.action.type === 'follow' && following));
}

export function KeyBar({ width, following = true, keymap = LIVE_KEYMAP, ...ctx }: KeyBarProps) {
  const theme = useTheme();
  const items = keyBarItems(ctx, following, keymap);
  const full = items.map((b) => `${b.label} ${b.short}`).join('  ');
  // Too narrow for every label: keep the current view's name, and only the keys of the others.
  const compact = stringWidth(full) > width;
  return (
    <Text wrap="truncate-end">
      {items.map((b, i) => {
        const current = b.action.type === 'view' && b.action.view === ctx.view && !ctx.help && !ctx.confirming;
        const showShort = !compact || current || b.action.type !== 'view';
        return (
          <Text key={`${b.scope}:${b.key}`}>
            {i ? '  ' : ''}
            {current ? (
              <Text bold inverse color={theme.roles.accent}>{` ${b.label} ${b.short} `}</Text>
            ) : (
              <>
                <Text bold color={theme.roles.accent}>
                  {b.label}
                </Text>
                {showShort ? <Text color={theme.roles.muted}>{` ${b.short}`}</Text> : null}
              </>
            )}
          </Text>
        );
      })}
    </Text>
  );
}
