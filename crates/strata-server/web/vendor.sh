#!/usr/bin/env bash
# Refreshes web/vendor/: the built browser libraries the explorer page (/) and
# GraphiQL (/graphql) load, at the versions package.json and package-lock.json
# pin, with the licence of every package they contain. The server embeds
# web/vendor/ in the binary, so nothing is fetched at run time and neither
# the build nor CI needs npm: run this by hand (node 18+, npm) only to change
# a version, then commit package.json, package-lock.json and vendor/.
#
#   crates/strata-server/web/vendor.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$work/"
[[ -f "$here/package-lock.json" ]] && cp "$here/package-lock.json" "$work/"
(cd "$work" && if [[ -f package-lock.json ]]; then npm ci --ignore-scripts --no-audit --no-fund; else npm install --ignore-scripts --no-audit --no-fund; fi)
[[ -f "$here/package-lock.json" ]] || cp "$work/package-lock.json" "$here/"

out="$here/vendor"
rm -rf "$out"
mkdir -p "$out"
nm="$work/node_modules"
# Production builds only: minified UMD bundles that need no module loader.
cp "$nm/cytoscape/dist/cytoscape.min.js" "$out/cytoscape.min.js"
cp "$nm/react/umd/react.production.min.js" "$out/react.production.min.js"
cp "$nm/react-dom/umd/react-dom.production.min.js" "$out/react-dom.production.min.js"
cp "$nm/graphiql/graphiql.min.js" "$out/graphiql.min.js"
cp "$nm/graphiql/graphiql.min.css" "$out/graphiql.min.css"

# graphiql.min.js bundles its dependencies: keep the licence of every
# installed package, each under its name and version.
licences="$out/LICENSES.txt"
{
    echo "Licences of the packages whose code is in this directory (installed by vendor.sh"
    echo "from package-lock.json; graphiql.min.js bundles its dependencies)."
} >"$licences"
find "$nm" -name package.json -path '*/node_modules/*' -not -path '*/node_modules/*/node_modules/*/node_modules/*' |
    sort | while read -r manifest; do
    dir="$(dirname "$manifest")"
    name="$(node -e 'const p=require(process.argv[1]); if (p.name && p.version) console.log(p.name + "@" + p.version)' "$manifest")"
    [[ -n "$name" ]] || continue
    file="$(find "$dir" -maxdepth 1 -iname 'licen[cs]e*' -o -maxdepth 1 -iname 'copying*' | sort | head -1)"
    licence="$(node -e 'const p=require(process.argv[1]); console.log(typeof p.license === "string" ? p.license : JSON.stringify(p.license || p.licenses || "see the package"))' "$manifest")"
    {
        printf '\n==== %s (%s) ====\n\n' "$name" "$licence"
        if [[ -n "$file" ]]; then cat "$file"; else echo "(the package ships no licence file; its package.json declares $licence)"; fi
    } >>"$licences"
done
ls -l "$out"
