/** Lines of a byte stream, decoded as UTF-8, one at a time: a file of any size in constant memory. */

/** Yields each line without its "\n"; `onBytes` hears how many bytes were read, for progress. */
export async function* lines(
  stream: ReadableStream<Uint8Array>,
  onBytes: (count: number) => void = () => {},
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    onBytes(chunk.length);
    rest += decoder.decode(chunk, { stream: true });
    let end = rest.indexOf("\n");
    let start = 0;
    while (end !== -1) {
      yield rest.slice(start, end);
      start = end + 1;
      end = rest.indexOf("\n", start);
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest !== "") yield rest;
}
