// npm run bench: runs every bench/*.bench.ts in its own process (so one bench's garbage and
// JIT state never colours another's), in name order. Each prints one JSON object per line.
// `npm run bench -- codec sim` runs only the benches whose names contain one of the words.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

let failed = 0;
for (const file of benches) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, file)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench ${file} exited with ${r.status}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
