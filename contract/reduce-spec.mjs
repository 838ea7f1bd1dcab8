// Reduce GitHub's OpenAPI description (the pinned @octokit/openapi in package-lock.json) to the
// operations access-reconciler uses (operations.json), with every component they reference,
// and write github-reduced.json (committed). Run: `node reduce-spec.mjs` (or `--check` to fail
// when the committed file is out of date).
//
// Examples are dropped (only prism's mock mode uses them). Two adjustments so prism can
// validate our traffic:
// - every response that offers application/json also offers application/vnd.github+json (same
//   schema), which is the Accept header the client sends; without it prism answers 406;
// - `servers` is emptied: prism's proxy forwards to the upstream it is given, and the example
//   Link headers pointing at api.github.com are never used (the fake GitHub writes its own).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const specPath = require.resolve("@octokit/openapi/generated/api.github.com.json");
const version = require("@octokit/openapi/package.json").version;
const spec = JSON.parse(readFileSync(specPath, "utf8"));
const wanted = JSON.parse(readFileSync(new URL("./operations.json", import.meta.url), "utf8")).operations;

const paths = {};
for (const entry of wanted) {
  const [method, path] = entry.split(" ");
  const op = spec.paths[path]?.[method];
  if (!op) {
    console.error(`${entry}: not in @octokit/openapi ${version}`);
    process.exit(1);
  }
  paths[path] ??= {};
  if (spec.paths[path].parameters) paths[path].parameters = spec.paths[path].parameters;
  paths[path][method] = structuredClone(op);
  for (const response of Object.values(paths[path][method].responses ?? {})) {
    // Examples only serve prism's mock mode; the proxy validates against the schemas.
    for (const media of Object.values(response.content ?? {})) delete media.examples;
    const json = response.content?.["application/json"];
    if (json && !response.content["application/vnd.github+json"]) {
      response.content["application/vnd.github+json"] = json;
    }
  }
}

// Copy every component reachable from the kept operations.
const components = {};
const seen = new Set();
function walk(node) {
  if (Array.isArray(node)) return node.forEach(walk);
  if (!node || typeof node !== "object") return;
  const ref = node.$ref;
  if (typeof ref === "string" && ref.startsWith("#/components/") && !seen.has(ref)) {
    seen.add(ref);
    const [, , kind, name] = ref.split("/");
    const target = spec.components[kind]?.[name];
    if (target === undefined) throw new Error(`dangling ${ref}`);
    components[kind] ??= {};
    components[kind][name] = target;
    walk(target);
  }
  for (const value of Object.values(node)) walk(value);
}
walk(paths);
// Referenced responses (e.g. not_found) get the vnd media type too.
for (const response of Object.values(components.responses ?? {})) {
  const json = response.content?.["application/json"];
  if (json && !response.content["application/vnd.github+json"]) {
    response.content["application/vnd.github+json"] = json;
  }
}
for (const kind of Object.keys(components)) {
  components[kind] = Object.fromEntries(Object.entries(components[kind]).sort(([a], [b]) => a.localeCompare(b)));
}

const reduced = {
  openapi: spec.openapi,
  info: {
    ...spec.info,
    description: `GitHub's REST API description from @octokit/openapi ${version}, reduced by contract/reduce-spec.mjs to the ${wanted.length} operations access-reconciler uses.`,
  },
  servers: [],
  paths,
  components,
};
const text = JSON.stringify(reduced, null, 1) + "\n";
const out = new URL("./github-reduced.json", import.meta.url);
if (process.argv.includes("--check")) {
  const current = readFileSync(out, "utf8");
  if (current !== text) {
    console.error("contract/github-reduced.json is out of date: run `node contract/reduce-spec.mjs`");
    process.exit(1);
  }
  console.log(`github-reduced.json is up to date (@octokit/openapi ${version})`);
} else {
  writeFileSync(out, text);
  console.log(`wrote github-reduced.json: ${wanted.length} operations, ${seen.size} components (@octokit/openapi ${version})`);
}
