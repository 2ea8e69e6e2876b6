// Theme files (themes/*.json, or a path to one): read here and handed to the views as a Theme, so
// src/ui does no I/O (README "Layers").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { DEFAULT_THEME, MONOCHROME, parseTheme, type Theme } from '../ui/theme.ts';

export const THEMES_DIR = fileURLToPath(new URL('../../themes/', import.meta.url));

export function availableThemes(dir = THEMES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * Load a theme by name (a file in themes/) or by path to a .json file.
 * NO_COLOR set to anything non-empty wins over the name: colour is off, whatever was asked.
 */
export function loadTheme(name: string = DEFAULT_THEME, env: NodeJS.ProcessEnv = process.env, dir = THEMES_DIR): Theme {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return MONOCHROME;
  if (name === 'monochrome' || name === 'none') return MONOCHROME;
  const file = name.endsWith('.json') ? name : path.join(dir, `${name}.json`);
  if (!existsSync(file)) {
    const names = [...availableThemes(dir), 'monochrome'];
    throw new Error(`Unknown theme "${name}". Available themes: ${names.join(', ')} (or a path to a .json theme file).`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Theme file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseTheme(raw, file);
}

