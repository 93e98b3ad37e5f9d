// Runs every ```js block of README.md against the real keyward binary, so a README that drifts
// from the package fails the tests. Each block runs as its own ES module inside the package (so
// `import ... from "@keyward/client"` resolves to this package's dist/), with KEYWARD_URL,
// KEYWARD_ADMIN_KEY and KEYWARD_API_KEY (a secret key of a fresh account) in its environment, and
// must exit 0 (`<!-- requires: node 20 -->` skips a block on an older Node); every `console.log(...); // EXPECTED` line must print a line starting with EXPECTED
// (an `…` in it matches anything), so the documented results are checked too. A block preceded by `<!-- requires: METHOD /path, ... -->` runs only when the
// binary serves those endpoints (part-two endpoints still landing); otherwise it is skipped.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

import { Keyward } from "../dist/index.js";
import { KeywardServer, serves, testConfig } from "./harness.mjs";

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(path.join(pkg, "README.md"), "utf8");

/** The ```js blocks of a markdown text, with the endpoints a `requires` comment names. */
export function jsBlocks(markdown) {
  const blocks = [];
  const re = /(?:<!--\s*requires:\s*([^>]*?)\s*-->\s*\n)?```js\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(re)) {
    const requires = (m[1] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const line = markdown.slice(0, m.index).split("\n").length;
    blocks.push({ code: m[2], line, requires });
  }
  return blocks;
}

/** `console.log(...); // 200 { account: 'acct_…' }` → a regex for the printed line. */
function expectations(code) {
  const out = [];
  for (const m of code.matchAll(/console\.log\(.*\);\s*\/\/\s*(\d{3})([^\n]*)$/gm)) {
    // "404: Hono's own" documents the status only; "200 { account: … }" the whole line.
    const text = m[2].startsWith(":") ? m[1] : (m[1] + m[2]).trim();
    const re = text.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    out.push(new RegExp(`^${re}`));
  }
  return out;
}

let server;
let env;
let scratch;

before(async () => {
  server = await new KeywardServer({ config: testConfig }).start();
  const admin = new Keyward({ baseUrl: server.url, apiKey: server.adminKey });
  const acct = await admin.accounts.create({ email: "readme@example.com" });
  const key = await admin.tokens.create({ name: "readme" }, { account: acct.id });
  admin.close();
  env = { ...process.env, KEYWARD_URL: server.url, KEYWARD_ADMIN_KEY: server.adminKey, KEYWARD_API_KEY: key.key };
  // Inside the package, so that the package's own name resolves (self-reference via "exports").
  scratch = mkdtempSync(path.join(pkg, "test", ".readme-"));
});

after(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await server?.close();
});

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

const blocks = jsBlocks(readme);

test("the README has its examples", () => {
  assert.ok(blocks.length >= 7, `found ${blocks.length} js blocks`);
});

for (const [i, block] of blocks.entries()) {
  test(`README example ${i + 1} (line ${block.line})`, async (t) => {
    for (const req of block.requires) {
      const [method, p] = req.split(/\s+/);
      if (method === "node") {
        if (Number(process.versions.node.split(".")[0]) < Number(p)) {
          t.skip(`needs Node ${p}`);
          return;
        }
        continue;
      }
      if (!(await serves(server.url, server.adminKey, method, p))) {
        t.skip(`this keyward does not serve ${req} yet`);
        return;
      }
    }
    const file = path.join(scratch, `example-${i + 1}.mjs`);
    writeFileSync(file, block.code);
    const r = await run(file);
    assert.equal(r.code, 0, `example at README line ${block.line} failed:\n${r.out}`);
    const printed = r.out.split("\n");
    for (const expected of expectations(block.code)) {
      assert.ok(
        printed.some((l) => expected.test(l)),
        `example at README line ${block.line} should print ${expected}; it printed:\n${r.out}`,
      );
    }
  });
}
