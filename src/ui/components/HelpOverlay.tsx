// `?` help, generated from the same keymap as the key bar and the input handler.

import React from 'react';
import { Box, Text } from 'ink';
import { helpSections, LIVE_KEYMAP, type KeyBinding, type Keymap } from '../keymap.ts';
import { useTheme } from '../theme.ts';

export function HelpOverlay({ width, keymap = LIVE_KEYMAP }: { width: number; keymap?: Keymap | readonly KeyBinding[] }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.roles.accent} paddingX={1} width={Math.min(width, 76)}>
      <Text bold color={theme.roles.accent}>
        Keys
      </Text>
      {helpSections(keymap).map((sec) => (
        <Box key={sec.title} flexDirection="column">
          <Text color={theme.roles.muted}>{sec.title}</Text>
          {sec.bindings.map((b) => (
            <Text key={`${b.scope}:${b.key}:${b.action.type}`} wrap="truncate-end">
              <Text bold color={theme.roles.accent}>{`  ${b.label.padEnd(5)}`}</Text>
              <Text>{b.description}</Text>
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
