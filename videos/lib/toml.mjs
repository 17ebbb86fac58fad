// TOML for the video scripts and the city file, through the smol-toml
// package; a syntax error is reported with the file and line.

import { parse, TomlError as SyntaxProblem } from "smol-toml";
import { Problem } from "./problem.mjs";

/** A problem in a TOML file, with where it is. */
export class TomlError extends Problem {}

/**
 * Parses TOML text; `file` is only used in messages.
 * @returns {Record<string, unknown>}
 */
export function parseToml(text, file = "(toml)") {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof SyntaxProblem) {
      throw new TomlError(`${file}:${e.line}: ${e.message.split("\n")[0]}`);
    }
    throw e;
  }
}
