// word-count: the classic Flink example — split text into words, key by word, count, write `word<TAB>count`.
//
// Shows: a file (or generated) source, flatMap, keyBy + sum over key groups (hash partitioning across
// subtasks, so with -p 4 on two TaskManagers records cross the network), BATCH runtime mode (each word's
// final count once, at the end of the bounded input) and a file sink (one file, or a directory of part
// files with one per sink subtask).
//
// Run:   npx -y pnpm@10.34.9 sluice run -p 4 packages/examples/src/word-count.ts --input FILE --output PATH
//        (without --input it counts generated text: --lines N lines, default 10 000)
// Output: PATH holds lines like `the	1234`, one per distinct word (lower-cased; words are runs of Unicode
//        letters and digits).
import { ParameterTool, StreamExecutionEnvironment } from '@sluice/runtime';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const output = params.get('output');
if (output === undefined) throw new Error('word-count needs --output PATH');

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setRuntimeMode('BATCH');

const VOCABULARY = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'Ärger', 'naïve', 'café', '東京', 'data2024'];
const input = params.get('input');
const lines = input !== undefined
  ? env.readTextFile(input).name('Read ' + input)
  : env.fromGenerator((i: number) => {
      const words: string[] = [];
      for (let w = 0; w < 8; w++) words.push(VOCABULARY[(i * 7 + w * 3) % VOCABULARY.length]);
      return words.join(w2s(i));
    }, { count: params.getNumber('lines', 10_000) }).name('Generated text');

lines
  .flatMap<[string, number]>((line: string, out) => {
    for (const word of line.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (word.length > 0) out.collect([word, 1]);
  })
  .name('Tokenizer')
  .keyBy((pair) => pair[0])
  .reduce((a, b) => [a[0], a[1] + b[1]])
  .name('Count')
  .map(([word, count]) => `${word}\t${count}`)
  .name('Format')
  .writeAsText(output)
  .name('Write ' + output);

await env.execute('word-count');

/** Separators between generated words: spaces, punctuation and line-ish noise, so splitting is exercised. */
function w2s(i: number): string {
  return [' ', ', ', ' - ', '; ', '  '][i % 5];
}
