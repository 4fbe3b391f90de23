/**
 * Layer names that are nn.Module's members or Python's own (`get_submodule`, `_modules`, `__class__`,
 * `T_destination`): module.ts gives such a layer another attribute, so the class builds and runs. The table of
 * members (module-members.ts, from torch 1.13) is compared with the installed torch's.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { emitTorchModule, torchHelpers } from "../src/compiler/emit/pytorch/module.js";
import { torchModuleMembers } from "../src/compiler/emit/pytorch/module-members.js";
import { hasTorch, python } from "./helpers/torch.js";

const names = [
  "get_submodule",
  "_modules",
  "__class__",
  "__dict__",
  "T_destination",
  "register_module",
  "share_memory",
];

const spec = `model M {
  input x: [4]
  ${names.map((name) => `dense(3, name: "${name}")`).join(" -> ")}
}
`;

function emitted() {
  const checked = checkSource(spec, "members.nn");
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return emitTorchModule(checked.program!.models[0]!);
}

/** The attributes the class's `__init__` assigns. */
const attributes = (code: string) => [...code.matchAll(/^ {8}self\.(\w+) = /gm)].map((m) => m[1]!);

describe("a layer named like a member of nn.Module", () => {
  it("gets an attribute that is no member and does not start with _", () => {
    const found = attributes(emitted().code);
    expect(found).toHaveLength(names.length);
    for (const attribute of found) {
      expect(attribute.startsWith("_"), attribute).toBe(false);
      expect(torchModuleMembers, attribute).not.toContain(attribute);
    }
  });

  it.runIf(hasTorch)("builds and runs in PyTorch, each layer a module of its own", () => {
    const { code, helpers } = emitted();
    const script = [
      "import json, math, os, struct",
      "import torch",
      "from torch import nn",
      "import torch.nn.functional as F",
      torchHelpers(helpers),
      code,
      "m = M()",
      "y = m(torch.ones(2, 4))",
      "print(json.dumps([list(y.shape), len(list(m.children())), len(m.state_dict())]))",
    ].join("\n");
    const run = spawnSync(python, ["-c", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([[2, 3], names.length, 2 * names.length]);
  });

  it.runIf(hasTorch)("the table of members is the installed torch's", () => {
    const listed = "from torch import nn; print(*[n for n in dir(nn.Module()) if n[0] != '_'])";
    const run = spawnSync(python, ["-c", listed], { encoding: "utf8" });
    expect(run.stdout.trim().split(" ")).toEqual(torchModuleMembers);
  });
});
