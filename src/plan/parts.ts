// Multipart sizing within S3's limits: ≤ 10,000 parts, parts of 5 MiB to 5 GiB (the last may be
// smaller), objects ≤ 5 TiB; single PutObject/CopyObject requests carry at most 5 GiB.
import { S3FerryError } from '../shared/errors.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Most parts in one multipart upload (AWS S3 "Multipart upload limits"). */
export const MAX_PARTS = 10_000;
/** Smallest part except the last (AWS S3 "Multipart upload limits"). */
export const MIN_PART_SIZE_BYTES = 5 * MiB;
/** Largest part (AWS S3 "Multipart upload limits"). */
export const MAX_PART_SIZE_BYTES = 5 * GiB;
/** Largest object (AWS S3 "Multipart upload limits"). */
export const MAX_OBJECT_SIZE_BYTES = 5 * TiB;
/** Largest single CopyObject / PutObject (AWS S3 CopyObject and PutObject API references). */
export const MAX_SINGLE_COPY_BYTES = 5 * GiB;

/** One part of a multipart copy: bytes [offsetBytes, offsetBytes + sizeBytes). */
export type PartRange = { partNumber: number; offsetBytes: number; sizeBytes: number };

/**
 * The part size for an object: the preferred size, raised as needed to keep ≤ 10,000 parts and
 * ≥ 5 MiB, rounded up to a whole MiB, capped at 5 GiB.
 * @throws S3FerryError (kind `client`, code `EntityTooLarge`) above 5 TiB, S3's object limit.
 * @example choosePartSize(5 * TiB, 8 * MiB) // 525 MiB (5 TiB / 10,000, rounded up)
 */
export function choosePartSize(sizeBytes: number, preferredPartSizeBytes: number): number {
  if (sizeBytes > MAX_OBJECT_SIZE_BYTES) {
    throw new S3FerryError(
      'client',
      'EntityTooLarge',
      `an object of ${sizeBytes} bytes is larger than S3's limit of 5 TiB`,
    );
  }
  const needed = Math.max(preferredPartSizeBytes, MIN_PART_SIZE_BYTES, sizeBytes / MAX_PARTS);
  return Math.min(MAX_PART_SIZE_BYTES, Math.ceil(needed / MiB) * MiB);
}

/**
 * The parts of an object of `sizeBytes` cut into `partSizeBytes` pieces (the last one shorter).
 * An empty object has no parts: copy it with one request.
 */
export function partRanges(sizeBytes: number, partSizeBytes: number): PartRange[] {
  if (!(partSizeBytes > 0)) throw new RangeError(`part size must be positive: ${partSizeBytes}`);
  const parts: PartRange[] = [];
  for (let offset = 0, n = 1; offset < sizeBytes; offset += partSizeBytes, n++) {
    parts.push({
      partNumber: n,
      offsetBytes: offset,
      sizeBytes: Math.min(partSizeBytes, sizeBytes - offset),
    });
  }
  return parts;
}

/** The HTTP `Range` / `CopySourceRange` value of a part: `bytes=first-last` (inclusive). */
export function byteRange(part: PartRange): string {
  return `bytes=${part.offsetBytes}-${part.offsetBytes + part.sizeBytes - 1}`;
}

/**
 * Whether an object is copied in parts: at or above the threshold, and always above 5 GiB (the
 * single-request limit). Empty objects never are.
 */
export function usesMultipart(sizeBytes: number, multipartThresholdBytes: number): boolean {
  return (
    sizeBytes > 0 && (sizeBytes >= multipartThresholdBytes || sizeBytes > MAX_SINGLE_COPY_BYTES)
  );
}
