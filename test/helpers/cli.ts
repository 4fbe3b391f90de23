import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const repo = join(import.meta.dirname, "..", "..");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `nnc` command (bin/nnc.js) as a user would, without colour. */
export function nnc(
  args: readonly string[],
  options: { cwd?: string; timeout?: number; env?: Record<string, string> } = {},
): CliResult {
  const result = spawnSync(process.execPath, [join(repo, "bin", "nnc.js"), ...args], {
    cwd: options.cwd ?? repo,
    encoding: "utf8",
    timeout: options.timeout ?? 60_000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
