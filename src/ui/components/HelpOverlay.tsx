// `?` help, generated from the same keymap as the key bar and the input handler. Taller than the
// room it has (a replay's keys on 80×24), it splits its sections into two columns: a frame taller
// than the terminal scrolls and leaves lines behind.

import React from 'react';
import { Box, Text } from 'ink';
import { helpSections, LIVE_KEYMAP, type KeyBinding, type Keymap } from '../keymap.ts';
import { useTheme } from '../theme.ts';

type Section = ReturnType<typeof helpSections>[number];

const sectionRows = (s: Section) => 1 + s.bindings.length;

/** Sections split into columns of about equal height, in order. */
export function helpColumns(sections: Section[], maxRows: number): Section[][] {
  const total = sections.reduce((a, s) => a + sectionRows(s), 0);
  if (total <= maxRows || sections.length < 2) return [sections];
  let best = 1;
  let bestTaller = Infinity;
  for (let cut = 1; cut < sections.length; cut++) {
    const left = sections.slice(0, cut).reduce((a, s) => a + sectionRows(s), 0);
    const taller = Math.max(left, total - left);
    if (taller < bestTaller) [best, bestTaller] = [cut, taller];
  }
  return [sections.slice(0, best), sections.slice(best)];
}

export function HelpOverlay({ width, height, keymap = LIVE_KEYMAP }: { width: number; height?: number; keymap?: Keymap | readonly KeyBinding[] }) {
  const theme = useTheme();
  const sections = helpSections(keymap);
  // Border (2) and the title (1) besides the sections.
  const columns = height === undefined ? [sections] : helpColumns(sections, height - 3);
  const boxWidth = columns.length > 1 ? width : Math.min(width, 76);
  const colWidth = Math.floor((boxWidth - 4) / columns.length);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.roles.accent} paddingX={1} width={boxWidth}>
      <Text bold color={theme.roles.accent}>
        Keys
      </Text>
      <Box flexDirection="row">
        {columns.map((col, i) => (
          <Box key={i} flexDirection="column" width={colWidth}>
            {col.map((sec) => (
              <Box key={sec.title} flexDirection="column">
                <Text color={theme.roles.muted}>{sec.title}</Text>
                {sec.bindings.map((b) => (
                  <Text key={`${b.scope}:${b.key}:${b.action.type}`} wrap="truncate-end">
                    <Text bold color={theme.roles.accent}>{`  ${b.label.padEnd(5)}`}</Text>
                    <Text>{` ${b.description}`}</Text>
                  </Text>
                ))}
              </Box>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
