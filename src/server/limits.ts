/**
 * Limits on multipart (upload) requests, enforced while the body is read. One file per request,
 * buffered in memory, so its size is capped: files over FILE_MAX_BYTES (up to twice that) still
 * reach the resolver, which refuses them with a typed ValidationError; anything larger is cut off
 * here with 413 before it can fill memory. Bigger files go direct to storage (`createUploadUrl`).
 */
export function multipartLimits(maxFileBytes: number) {
  return {
    files: 1,
    fileSize: Math.min(2 * maxFileBytes, 2_147_483_647),
    fields: 10,
    fieldSize: 1024 * 1024,
    parts: 12,
    headerSize: 16 * 1024,
  };
}
