// All contexts a view needs, in one place: the live app, renderFinalFrame and tests use the same.

import React, { type ReactNode } from 'react';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import { UiEnvProvider, type UiEnv } from './hooks.ts';
import { LiveStoreProvider, type LiveStore } from './store.ts';
import { ThemeProvider, type Theme } from './theme.ts';

export interface ProvidersProps {
  store: LiveStore;
  theme: Theme;
  env?: Partial<UiEnv>;
  children?: ReactNode;
}

export function Providers({ store, theme, env, children }: ProvidersProps) {
  const value: UiEnv = { now: null, size: null, priceTable: DEFAULT_PRICE_TABLE, ...env };
  return (
    <LiveStoreProvider store={store}>
      <ThemeProvider theme={theme}>
        <UiEnvProvider value={value}>{children}</UiEnvProvider>
      </ThemeProvider>
    </LiveStoreProvider>
  );
}
