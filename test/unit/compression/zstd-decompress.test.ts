import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createZstdDecompress, nativeZstdFactory, ZstdSplitter } from '../../../src/compression/zstd-decompress.js';
import { parseZstdBlockHeader, parseZstdFrameHeader } from '../../../src/measure/zstd-frames.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function zstd(input: Buffer, args: string[] = []): Buffer {
  return execFileSync('zstd', ['-q', '-c', ...args, '-'], { input, maxBuffer: 64 * MiB });
}

/** Deterministic bytes that compress a little (not all RLE, not all raw). */
function pseudoText(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = 12345;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = 97 + ((x >> 16) % 8);
  }
  return out;
}

function skippableFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x184d2a53, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

async function decompress(parts: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const stream = Readable.from(parts).pipe(createZstdDecompress());
  for await (const chunk of stream as AsyncIterable<Buffer>) out.push(chunk);
  return Buffer.concat(out);
}

it('every supported Node (>= 22.15) has zstd in zlib', () => {
  expect(nativeZstdFactory(), process.version).not.toBeNull();
});

describe('createZstdDecompress', () => {
  const text = pseudoText(700 * KiB);
  const frames = Buffer.concat([
    zstd(text),
    skippableFrame(Buffer.from('metadata')),
    zstd(Buffer.alloc(300 * KiB), ['--no-check']),
    zstd(Buffer.from('tail')),
  ]);
  const expected = Buffer.concat([text, Buffer.alloc(300 * KiB), Buffer.from('tail')]);

  it.each([1, 7, 64 * KiB, 10 * MiB])('several frames (checksum, none, skippable) in chunks of %i bytes', async (size) => {
    expect((await decompress(chunks(frames, size))).equals(expected)).toBe(true);
  });

  it('a truncated stream is an error, not a short result', async () => {
    const whole = zstd(text);
    await expect(decompress([whole.subarray(0, whole.length - 100)])).rejects.toThrow();
  });

  it('decodes no further ahead of its reader than a block and a buffer', async () => {
    // 1 GiB of zeros is ~32 KiB of RLE blocks (4 bytes each for 128 KiB): one write holds it all.
    const zeros = execFileSync('sh', ['-c', 'head -c 1073741824 /dev/zero | zstd -q -c -1'], { maxBuffer: 64 * MiB });
    expect(zeros.length).toBeLessThan(1 * MiB);
    const before = process.memoryUsage().arrayBuffers;
    const stream = createZstdDecompress();
    stream.write(Buffer.concat([zstd(Buffer.alloc(0)), zeros])); // an empty frame first: several frames
    // Nobody reads: whatever was decoded is still held, in the stream's buffer or its decoder's.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stream.readableLength).toBeLessThanOrEqual(128 * KiB + stream.readableHighWaterMark);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * MiB);
    // Reading then yields everything.
    let total = 0;
    stream.on('data', (c: Buffer) => (total += c.length));
    stream.end();
    await once(stream, 'end');
    expect(total).toBe(1024 * MiB);
  }, 60_000);
});

describe('ZstdSplitter', () => {
  const frames = Buffer.concat([zstd(pseudoText(600 * KiB)), skippableFrame(Buffer.from('x')), zstd(Buffer.alloc(500 * KiB))]);
  // Block and frame ends, walked independently with the measure stage's parsers.
  const blockEnds: number[] = [];
  const frameEnds: number[] = [];
  let offset = 0;
  while (offset < frames.length) {
    const frame = parseZstdFrameHeader(frames.subarray(offset, offset + 18));
    if (frame.kind === 'skippable') {
      offset += frame.frameBytes;
      frameEnds.push(offset);
      continue;
    }
    offset += frame.headerBytes;
    for (;;) {
      const block = parseZstdBlockHeader(frames.subarray(offset, offset + 3));
      offset += 3 + block.contentBytes;
      if (block.last && frame.hasChecksum) offset += 4;
      blockEnds.push(offset);
      if (block.last) break;
    }
    frameEnds.push(offset);
  }

  it.each([
    ['block', [...new Set([...blockEnds, ...frameEnds])]], // a skippable frame has no blocks
    ['frame', frameEnds],
  ] as const)('cuts at every %s end, whatever the chunking, and the pieces rebuild the input', (at, ends) => {
    expect(blockEnds.length).toBeGreaterThan(6);
    expect(frameEnds).toHaveLength(3);
    for (const size of [1, 5, 1000, frames.length]) {
      const splitter = new ZstdSplitter(at);
      const cuts: number[] = [];
      let position = 0;
      const pieces: Uint8Array[] = [];
      for (const chunk of chunks(frames, size)) {
        for (const piece of splitter.cut(chunk)) {
          pieces.push(piece);
          position += piece.length;
          cuts.push(position);
        }
      }
      expect(Buffer.concat(pieces).equals(frames)).toBe(true);
      // Every end is a cut; other cuts are only chunk ends.
      for (const end of ends) expect(cuts).toContain(end);
      expect(cuts.every((c) => ends.includes(c) || c % size === 0)).toBe(true);
      expect(splitter.atFrameBoundary).toBe(true);
    }
  });

  it('names a bad magic number', () => {
    expect(() => [...new ZstdSplitter('block').cut(Buffer.from('not zstd at all'))]).toThrow(/bad frame magic/);
  });
});
