/** A Redshift COPY manifest (Redshift's `loading-data-files-using-manifest` format, §8). */
export interface CopyManifest {
  entries: Array<{ url: string; mandatory: boolean }>;
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Every staged object is mandatory: a COPY that silently skipped one would lose its records. */
export function manifestOf(objects: ReadonlyArray<{ bucket: string; key: string }>): CopyManifest {
  return { entries: objects.map((o) => ({ url: s3Url(o.bucket, o.key), mandatory: true })) };
}

export function manifestBody(manifest: CopyManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(manifest));
}

/** Parses a manifest body; undefined when it is not the format above. */
export function parseManifest(body: Uint8Array): CopyManifest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  const entries = (parsed as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return undefined;
  const out: CopyManifest['entries'] = [];
  for (const entry of entries) {
    if (typeof entry?.url !== 'string') return undefined;
    out.push({ url: entry.url, mandatory: entry.mandatory === true });
  }
  return { entries: out };
}

/** `s3://bucket/key` → parts; undefined for anything else. */
export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

/**
 * Manifest keys (§8). The loaded manifest goes under `<prefix>manifests/yyyy/MM/dd/HH/<object name>` (? §8: the
 * layout of non-error manifests is unverified); when the batch is skipped, the same name goes under
 * `<prefix>errors/manifests/yyyy/MM/dd/HH/`, the layout public recovery scripts read. `datedName` is
 * `yyyy/MM/dd/HH/<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>`, as an object key after its prefix (§3.1).
 */
export function manifestKeys(prefix: string, datedName: string): { key: string; errorKey: string } {
  return { key: `${prefix}manifests/${datedName}`, errorKey: `${prefix}errors/manifests/${datedName}` };
}
