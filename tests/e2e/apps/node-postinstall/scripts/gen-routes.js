// Runs as the package's postinstall hook: scans src/routes/*.js and writes a route table to
// generated/routes.json. It needs src/routes/ to exist, so an install that runs before the
// sources are copied fails (ENOENT) or silently produces an empty table.
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const dir = path.join(root, "src", "routes");
const routes = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".js"))
  .sort()
  .map((f) => ({ path: "/" + path.basename(f, ".js"), module: "./routes/" + f }));
if (routes.length === 0) {
  throw new Error("gen-routes: no routes found in " + dir);
}
fs.mkdirSync(path.join(root, "generated"), { recursive: true });
fs.writeFileSync(path.join(root, "generated", "routes.json"), JSON.stringify(routes, null, 2) + "\n");
console.log("gen-routes: " + routes.length + " routes");
