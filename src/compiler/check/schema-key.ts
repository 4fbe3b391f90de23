/**
 * A short key for a schema's text (`JSON.stringify`): its length and two 32-bit FNV-1a hashes. The table of
 * precompiled validators (scripts/build.mjs) is keyed by it, so the bundle that `nnc` loads at each start holds
 * ~90 keys of ~15 characters instead of the schemas' texts (~80 kB). The build checks that no two of the
 * registry's schemas share a key; another text meeting one of them by chance would need both hashes and the
 * length to agree.
 */
export function schemaKey(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x3b9f2e6d;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${text.length.toString(36)}.${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}
