// Themes: semantic colour roles loaded from themes/*.json. Views ask for a role ("danger",
// "grade.degraded", "tier.fast"), never for a raw colour, so a theme file restyles everything.
// NO_COLOR (https://no-color.org) gives a monochrome theme whose roles are all undefined: Ink
// then emits no colour codes at all, and emphasis falls back to bold/inverse.

import { createContext, createElement, useContext, type ReactNode } from 'react';
import type { Grade } from '../core/sweep-types.ts';
import type { TierId } from '../core/tiers.ts';

/** An Ink colour (name like "cyan"/"redBright", or "#rrggbb"); undefined = terminal default. */
export type Colour = string | undefined;

export const ROLE_NAMES = ['text', 'muted', 'accent', 'success', 'warning', 'danger', 'info', 'border', 'banner'] as const;
export type Role = (typeof ROLE_NAMES)[number];

export interface Theme {
  name: string;
  /** false for the monochrome (NO_COLOR) theme. */
  color: boolean;
  roles: Record<Role, Colour>;
  /** Chart series 1..4 (one per workload shape). */
  chart: [Colour, Colour, Colour, Colour];
  grades: Record<Grade, Colour>;
  tiers: Record<TierId | 'over', Colour>;
}

export const DEFAULT_THEME = 'dark';

export const MONOCHROME: Theme = {
  name: 'monochrome',
  color: false,
  roles: { text: undefined, muted: undefined, accent: undefined, success: undefined, warning: undefined, danger: undefined, info: undefined, border: undefined, banner: undefined },
  chart: [undefined, undefined, undefined, undefined],
  grades: { excellent: undefined, acceptable: undefined, degraded: undefined },
  tiers: { ultra: undefined, fast: undefined, typical: undefined, slow: undefined, over: undefined },
};

/** Validate a theme document; every role must be present so a view never gets a hole. */
export function parseTheme(raw: unknown, where = 'theme'): Theme {
  const problems: string[] = [];
  const obj = (v: unknown, at: string): Record<string, unknown> => {
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${at} must be an object`);
    return {};
  };
  const str = (o: Record<string, unknown>, k: string, at: string): string => {
    const v = o[k];
    if (typeof v === 'string' && v.length > 0) return v;
    problems.push(`${at}.${k} must be a colour string`);
    return 'white';
  };
  const doc = obj(raw, 'theme');
  const roles = obj(doc.roles, 'roles');
  const grades = obj(doc.grades, 'grades');
  const tiers = obj(doc.tiers, 'tiers');
  const chart = Array.isArray(doc.chart) ? doc.chart : [];
  if (chart.length < 4 || chart.some((c) => typeof c !== 'string')) problems.push('chart must list 4 colour strings');
  const theme: Theme = {
    name: typeof doc.name === 'string' ? doc.name : (where.split('/').pop() ?? where).replace(/\.json$/, ''),
    color: true,
    roles: Object.fromEntries(ROLE_NAMES.map((r) => [r, str(roles, r, 'roles')])) as Record<Role, Colour>,
    chart: [0, 1, 2, 3].map((i) => (typeof chart[i] === 'string' ? (chart[i] as string) : 'white')) as Theme['chart'],
    grades: { excellent: str(grades, 'excellent', 'grades'), acceptable: str(grades, 'acceptable', 'grades'), degraded: str(grades, 'degraded', 'grades') },
    tiers: {
      ultra: str(tiers, 'ultra', 'tiers'),
      fast: str(tiers, 'fast', 'tiers'),
      typical: str(tiers, 'typical', 'tiers'),
      slow: str(tiers, 'slow', 'tiers'),
      over: str(tiers, 'over', 'tiers'),
    },
  };
  if (problems.length) throw new Error(`Invalid theme ${where}: ${problems.join('; ')}`);
  return theme;
}

const ThemeContext = createContext<Theme>(MONOCHROME);

export function ThemeProvider({ theme, children }: { theme: Theme; children?: ReactNode }) {
  return createElement(ThemeContext.Provider, { value: theme }, children);
}

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

export function tierColour(theme: Theme, tier: TierId | 'over' | null): Colour {
  return tier === null ? theme.roles.muted : theme.tiers[tier];
}
