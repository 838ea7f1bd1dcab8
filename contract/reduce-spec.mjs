// Reduce GitHub's OpenAPI description (the pinned @octokit/openapi in package-lock.json) to the
// operations access-reconciler uses (operations.json), with every component they reference,
// and write github-reduced.json and github-examples.json (both committed). Run: `node reduce-spec.mjs` (or `--check` to fail
// when the committed file is out of date).
//
// Examples are dropped from the reduced spec (only prism's mock mode uses them); the success
// examples go to github-examples.json for the fake GitHub. Two adjustments so prism can
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

// prism matches a path parameter to exactly one segment, but GitHub marks some as spanning
// several (`x-multi-segment`: a ref like `heads/access-reconciler/drift`, a file path like
// `config/govuk_tech.yml`), and real clients send their slashes as they are. So each operation
// with such a parameter is also listed under paths that split it into 2 to 4 segments, with
// the same schemas, so that prism can validate those requests too.
function param(p) {
  return typeof p.$ref === "string" ? spec.components.parameters[p.$ref.split("/").pop()] : p;
}
for (const path of Object.keys(paths)) {
  for (const method of Object.keys(paths[path])) {
    if (method === "parameters") continue;
    const op = paths[path][method];
    const multi = (op.parameters ?? []).map(param).find((p) => p.in === "path" && p["x-multi-segment"]);
    if (!multi) continue;
    for (let n = 2; n <= 4; n++) {
      const names = Array.from({ length: n }, (_, i) => `${multi.name}_${i + 1}`);
      const alias = path.replace(`{${multi.name}}`, names.map((x) => `{${x}}`).join("/"));
      const copy = structuredClone(op);
      copy.operationId = `${op.operationId}--${n}-segments`;
      copy.parameters = [
        ...(copy.parameters ?? []).filter((p) => !(param(p).in === "path" && param(p).name === multi.name)),
        ...names.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
      ];
      paths[alias] ??= {};
      paths[alias][method] = copy;
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
// The first example of every success answer, for the fake GitHub's repository endpoints
// (tests/support/fake_github.rs patches the fields the tool reads, so its answers keep every
// field GitHub's schemas require): { "get /path": { "200": value } }.
function resolve(node, kind) {
  const ref = node?.$ref;
  return typeof ref === "string" ? spec.components[kind][ref.split("/").pop()] : node;
}
const examples = {};
for (const entry of wanted) {
  const [method, path] = entry.split(" ");
  for (const [status, response] of Object.entries(spec.paths[path][method].responses ?? {})) {
    if (!status.startsWith("2")) continue;
    const media = resolve(response, "responses").content?.["application/json"];
    const first = Object.values(media?.examples ?? {})[0];
    if (first === undefined) continue;
    examples[entry] ??= {};
    examples[entry][status] = resolve(first, "examples").value;
  }
}

const outputs = [
  ["github-reduced.json", JSON.stringify(reduced, null, 1) + "\n"],
  ["github-examples.json", JSON.stringify({ comment: `Success examples from @octokit/openapi ${version} for the operations in operations.json; generated by reduce-spec.mjs.`, examples }, null, 1) + "\n"],
];
for (const [name, text] of outputs) {
  const out = new URL(`./${name}`, import.meta.url);
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(out, "utf8");
    } catch {}
    if (current !== text) {
      console.error(`contract/${name} is out of date: run \`node contract/reduce-spec.mjs\``);
      process.exit(1);
    }
    console.log(`${name} is up to date (@octokit/openapi ${version})`);
  } else {
    writeFileSync(out, text);
    console.log(`wrote ${name}: ${wanted.length} operations, ${seen.size} components (@octokit/openapi ${version})`);
  }
}
