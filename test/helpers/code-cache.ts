import { statSync } from "node:fs";

/** The code cache bin/nnc.js keeps for a bundle: named by the bundle's inode, size and modification time. */
export function cacheFile(bundle: string): string {
  const { ino, size, mtimeNs } = statSync(bundle, { bigint: true });
  return `${bundle}.${ino}-${size}-${mtimeNs}.cache`;
}
