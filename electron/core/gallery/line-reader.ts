import { createReadStream } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'

export interface LineChunk {
  /** Complete lines (without line ends; a leading BOM removed), in order. */
  lines: string[]
  /** 1-based number of lines[0]. */
  firstLine: number
  /** Bytes of the file consumed so far. */
  bytesRead: number
}

/**
 * Streams a UTF-8 text file as batches of lines (one batch per read chunk), so a 100k-line file is
 * never held in memory at once. Handles multi-byte characters split across chunks, CRLF and a
 * final line without a newline.
 */
export async function* readLines(file: string, highWaterMark = 1 << 20): AsyncGenerator<LineChunk> {
  const stream = createReadStream(file, { highWaterMark })
  const decoder = new StringDecoder('utf8')
  let rest = ''
  let lineNo = 1
  let bytes = 0
  let first = true
  try {
    for await (const buf of stream as AsyncIterable<Buffer>) {
      bytes += buf.length
      let text = rest + decoder.write(buf)
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
        first = false
      }
      const parts = text.split('\n')
      rest = parts.pop() ?? ''
      if (parts.length === 0) continue
      const lines = parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
      yield { lines, firstLine: lineNo, bytesRead: bytes }
      lineNo += lines.length
    }
    const tail = rest + decoder.end()
    if (tail !== '') {
      const t = first && tail.charCodeAt(0) === 0xfeff ? tail.slice(1) : tail
      yield { lines: [t.endsWith('\r') ? t.slice(0, -1) : t], firstLine: lineNo, bytesRead: bytes }
    }
  } finally {
    stream.destroy()
  }
}
