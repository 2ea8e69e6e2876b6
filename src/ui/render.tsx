// renderFinalFrame renders the summary once to a string (replay tests compare it with the live
// run's last screen; replay without a terminal prints it). The interactive app: launch.tsx.

import React from 'react';
import { renderToString } from 'ink';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../core/cost.ts';
import type { SessionState } from '../core/session-state.ts';
import { SummaryView } from './components/SummaryView.tsx';
import { PatternView } from './components/pattern/PatternView.tsx';
import { Providers } from './providers.tsx';
import { createLiveStore } from './store.ts';
import type { Theme } from './theme.ts';

export interface FinalFrameOptions {
  savedTo?: string;
  priceTable?: PriceTable;
  rows?: number;
}

/** The summary view of `state`, rendered once to a string (`width` columns, default 100). */
export function renderFinalFrame(state: SessionState, theme: Theme, width = 100, opts: FinalFrameOptions = {}): string {
  const store = createLiveStore({ initial: state, flushHz: 0 });
  const rows = opts.rows ?? 200;
  return renderToString(
    <Providers store={store} theme={theme} env={{ size: { columns: width, rows }, savedTo: opts.savedTo, priceTable: opts.priceTable ?? DEFAULT_PRICE_TABLE }}>
      {state.pattern && state.meta?.flags.command === 'load' ? <PatternView pattern={state.pattern} metric="ttft" width={width} height={36} /> : <SummaryView width={width} />}
    </Providers>,
    { columns: width },
  );
}
