import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * `node --import ./bench/lib/register.mjs bench/profile-summary.ts <file.cpuprofile> [top]`:
 * where a V8 CPU profile's time went: self time by function, and inclusive time by
 * package (a sample counts once for every package on its stack).
 */
const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const file = process.argv[2];
if (file === undefined) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
const top = Number(process.argv[3] ?? 40);
const profile = profileSchema.parse(JSON.parse(readFileSync(file, "utf8")));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function packageOf(url: string): string {
  if (url === "") return "(native)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    const name = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (name === "next") return `next/${rest.slice(1, 4).join("/")}`;
    return name;
  }
  if (url.startsWith("node:")) return url;
  return path.relative(process.cwd(), url.replace(/^file:\/\//, ""));
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((sampleId, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  const node = byId.get(sampleId);
  if (node === undefined) return;
  const name = node.callFrame.functionName;
  if (name === "(idle)" || name === "(program)") {
    idle += delta;
    return;
  }
  total += delta;
  const key = `${name || "(anonymous)"} ${packageOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + delta);
  const seen = new Set<string>();
  for (let id: number | undefined = sampleId; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id)!.callFrame;
    const pkg = frame.functionName === "(garbage collector)" ? "(gc)" : packageOf(frame.url);
    if (!seen.has(pkg)) {
      seen.add(pkg);
      inclusive.set(pkg, (inclusive.get(pkg) ?? 0) + delta);
    }
  }
});

const ms = (micros: number) => (micros / 1000).toFixed(0);
const share = (micros: number) => `${((micros / total) * 100).toFixed(1)}%`;
console.log(`busy ${ms(total)} ms, idle ${ms(idle)} ms`);
console.log("\nself time, top functions");
for (const [key, value] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${share(value).padStart(6)} ${ms(value).padStart(6)} ms  ${key}`);
console.log("\ninclusive time by package or file");
for (const [key, value] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${share(value).padStart(6)} ${ms(value).padStart(6)} ms  ${key}`);
