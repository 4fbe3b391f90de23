/** The scripts' one kind of option: `--name N`, a whole number; a bad value ends the script with exit code 2. */
export function wholeNumberOption(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value)) {
    console.error(`--${name} needs a whole number`);
    process.exit(2);
  }
  return value;
}
