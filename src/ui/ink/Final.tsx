/** What replaces the live region when the run ends: the final summary text and the results file's path. */
import { Box, Text } from 'ink';

/** Props of {@link Final}. */
export interface FinalProps {
  /** The same summary text the non-interactive output prints. */
  text: string;
  resultsPath?: string;
}

/** The summary, then `results: <path>` when a results file was written. */
export function Final({ text, resultsPath }: FinalProps): React.JSX.Element {
  return (
    <Box flexDirection="column">
      <Text>{text.replace(/\n+$/, '')}</Text>
      {resultsPath ? <Text>results: {resultsPath}</Text> : null}
    </Box>
  );
}
