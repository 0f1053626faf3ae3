/**
 * Recognising (e)stargz layers: gzip blobs of many members (one or more per file, a TOC, then
 * a footer member) that keep the ordinary `tar+gzip` media type. Their last member is the empty
 * footer, so the gzip trailer says 0. Pure: the caller reads the bytes.
 */

/** eStargz footer: an empty gzip member whose FEXTRA holds subfield `SG` = "%016x" TOC offset + "STARGZ". */
export const ESTARGZ_FOOTER_BYTES = 51;
/** Legacy stargz footer: the same without the `SG` subfield header (FEXTRA is the 22 bytes raw). */
const LEGACY_STARGZ_FOOTER_BYTES = 47;

/** Annotations buildx/containerd put on eStargz layer descriptors. */
export const STARGZ_TOC_DIGEST_ANNOTATION = 'containerd.io/snapshot/stargz/toc.digest';
export const ESTARGZ_UNCOMPRESSED_SIZE_ANNOTATION = 'io.containers.estargz.uncompressed-size';

const FOOTER_PAYLOAD = /^[0-9a-f]{16}STARGZ$/;
const FEXTRA = 0x04;

type StargzKind = 'estargz' | 'stargz';

/** Whether a layer descriptor's annotations say it is an eStargz layer. */
export function hasStargzAnnotations(annotations: Record<string, string> | undefined): boolean {
  if (annotations === undefined) return false;
  return STARGZ_TOC_DIGEST_ANNOTATION in annotations || ESTARGZ_UNCOMPRESSED_SIZE_ANNOTATION in annotations;
}

/**
 * Which stargz footer the blob ends with, from its last bytes (at least 51 when the blob has
 * them); null when it ends with neither.
 */
export function stargzFooterKind(tail: Uint8Array): StargzKind | null {
  if (tail.length >= ESTARGZ_FOOTER_BYTES) {
    const extra = fextraOf(tail.subarray(tail.length - ESTARGZ_FOOTER_BYTES));
    if (extra !== null && subfields(extra).some(([id, data]) => id === 'SG' && FOOTER_PAYLOAD.test(data))) return 'estargz';
  }
  if (tail.length >= LEGACY_STARGZ_FOOTER_BYTES) {
    const extra = fextraOf(tail.subarray(tail.length - LEGACY_STARGZ_FOOTER_BYTES));
    if (extra !== null && FOOTER_PAYLOAD.test(Buffer.from(extra).toString('latin1'))) return 'stargz';
  }
  return null;
}

/** The FEXTRA bytes of a gzip member header starting at `member[0]`, or null. */
function fextraOf(member: Uint8Array): Uint8Array | null {
  const view = Buffer.from(member.buffer, member.byteOffset, member.byteLength);
  if (view.length < 12 || view[0] !== 0x1f || view[1] !== 0x8b || view[2] !== 8) return null;
  if ((view.readUInt8(3) & FEXTRA) === 0) return null;
  const length = view.readUInt16LE(10);
  if (12 + length > member.length) return null;
  return member.subarray(12, 12 + length);
}

/** RFC 1952 §2.3.1.1 subfields: SI1 SI2, 2-byte little-endian LEN, LEN bytes. */
function subfields(extra: Uint8Array): [string, string][] {
  const found: [string, string][] = [];
  let offset = 0;
  const view = Buffer.from(extra.buffer, extra.byteOffset, extra.byteLength);
  while (offset + 4 <= view.length) {
    const length = view.readUInt16LE(offset + 2);
    if (offset + 4 + length > extra.length) break;
    const text = Buffer.from(extra.subarray(offset, offset + 4 + length)).toString('latin1');
    found.push([text.slice(0, 2), text.slice(4)]);
    offset += 4 + length;
  }
  return found;
}
