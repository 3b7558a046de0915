// Restores the client libraries that libman.json lists, for machines without the LibMan CLI:
// each "name@version" is fetched from the npm registry with `npm pack`, and only the listed files are
// copied to the library's destination, as `libman restore` would lay them out. Files already present
// are left alone, so a build with everything in place does no network work.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

function registry() {
  try { return execFileSync("npm", ["config", "get", "registry"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); }
  catch { return "the npm registry"; }
}

const manifestPath = resolve(process.argv[2] ?? "libman.json");
const root = dirname(manifestPath);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));

for (const lib of manifest.libraries ?? []) {
  const destination = resolve(root, lib.destination);
  const missing = (lib.files ?? []).filter((f) => !existsSync(join(destination, f)));
  if (missing.length === 0) continue;

  const at = lib.library.lastIndexOf("@");
  const name = lib.library.slice(0, at);
  const version = lib.library.slice(at + 1);
  const work = mkdtempSync(join(tmpdir(), "libman-"));
  try {
    let tarball;
    try {
      tarball = execFileSync("npm", ["pack", `${name}@${version}`, "--silent", "--pack-destination", work], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
        .trim().split("\n").pop();
    } catch (e) {
      // One line that says what is missing and how to provide it, instead of npm's own output.
      const why = e.code === "ENOENT" ? "npm is not installed (install Node.js, which brings npm)"
        : `npm could not fetch it from ${registry()} (offline, or the registry is unreachable)`;
      console.error(`libman: cannot restore ${lib.library}: ${why}. Provide ${missing.map((f) => join(destination, f)).join(", ")} ` +
        `yourself (e.g. from https://cdn.jsdelivr.net/npm/${name}@${version}/${missing[0]}), or set npm_config_registry to a reachable mirror.`);
      process.exit(1);
    }
    execFileSync("tar", ["-xzf", join(work, tarball), "-C", work]);
    for (const file of missing) {
      const from = join(work, "package", file);
      if (!existsSync(from)) throw new Error(`${lib.library} has no file ${file}`);
      mkdirSync(dirname(join(destination, file)), { recursive: true });
      copyFileSync(from, join(destination, file));
      console.log(`libman: restored ${lib.library}/${file}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
