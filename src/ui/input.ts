// One keyboard listener for the whole app. Ink subscribes a useInput handler in a passive effect,
// after the frame is on screen: when a route replaced another, a key typed right then reached
// neither (the old handler was gone, the new one not yet attached). Inside the app the root keeps
// the one useInput, and each route's handler is registered here during its render instead.

import { createContext, createElement, useContext, type ReactNode } from 'react';
import { useInput, useStdin, type Key } from 'ink';

export type KeyHandler = (input: string, key: Key) => void;

const Slot = createContext<{ current: KeyHandler | null } | null>(null);

/** The app's one listener: passes every key to the handler the shown route registered last. */
export function KeyboardRoot({ children }: { children?: ReactNode }) {
  const slot = useContext(Slot) ?? { current: null };
  const { isRawModeSupported } = useStdin();
  useInput((input, key) => slot.current?.(input, key), { isActive: isRawModeSupported === true });
  return createElement(Slot.Provider, { value: slot }, children);
}

/** useInput for a view: inside KeyboardRoot it registers with the root; alone (tests) it listens itself. */
export function useKeys(handler: KeyHandler): void {
  const slot = useContext(Slot);
  const { isRawModeSupported } = useStdin();
  if (slot) slot.current = handler;
  useInput(handler, { isActive: !slot && isRawModeSupported === true });
}
