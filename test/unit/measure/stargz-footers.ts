/**
 * The footers stargz-snapshotter writes (estargz/estargz.go and the legacy stargz/stargz.go):
 * an empty gzip member, written by Go's gzip at NoCompression, whose header's FEXTRA carries the
 * TOC offset. Built byte by byte here so the tests do not depend on our parser's idea of them.
 */
const GZIP_HEADER = [0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0x00, 0xff]; // FLG = FEXTRA, OS unknown
const EMPTY_STORED_FINAL_BLOCK = [0x01, 0x00, 0x00, 0xff, 0xff];
const EMPTY_TRAILER = [0, 0, 0, 0, 0, 0, 0, 0]; // CRC32 and ISIZE of nothing

const payload = (tocOffset: number) => Buffer.from(`${tocOffset.toString(16).padStart(16, '0')}STARGZ`, 'latin1');
const le16 = (n: number) => [n & 0xff, n >> 8];

/** 51 bytes: FEXTRA = subfield 'S','G' of 22 bytes. */
export function estargzFooter(tocOffset: number): Buffer {
  const subfield = Buffer.concat([Buffer.from('SG', 'latin1'), Buffer.from(le16(22)), payload(tocOffset)]);
  return Buffer.from([...GZIP_HEADER, ...le16(subfield.length), ...subfield, ...EMPTY_STORED_FINAL_BLOCK, ...EMPTY_TRAILER]);
}

/** 47 bytes: FEXTRA = the 22 bytes themselves. */
export function legacyStargzFooter(tocOffset: number): Buffer {
  return Buffer.from([...GZIP_HEADER, ...le16(22), ...payload(tocOffset), ...EMPTY_STORED_FINAL_BLOCK, ...EMPTY_TRAILER]);
}
