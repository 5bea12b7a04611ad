#!/bin/sh
# Copies the NHS.UK design system (nhsuk-frontend) into static/nhsuk/ from a pinned npm tarball whose
# checksum is written in static/nhsuk/VERSION, so `make run` and `make test` need no npm and nothing is
# fetched at run time. Run by `make vendor-nhsuk`; commit what it changes.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/static/nhsuk"
version=$(sed -n 's/^version=//p' "$dest/VERSION")
sha256=$(sed -n 's/^sha256=//p' "$dest/VERSION")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "nhsuk-frontend@$version" >/dev/null
tarball="nhsuk-frontend-$version.tgz"
echo "$sha256  $tarball" | sha256sum -c --quiet - || {
  echo "nhsuk-frontend $version: the tarball's sha256 is not the one in static/nhsuk/VERSION" >&2
  exit 1
}
tar xzf "$tarball"
dist=package/dist/nhsuk

rm -rf "$dest/assets"
mkdir -p "$dest/assets/images"
# Without their source maps (not shipped here): the hashed static-files storage refuses a file whose
# sourceMappingURL names a missing map.
sed -e 's#//\# sourceMappingURL=.*$##' "$dist/nhsuk-frontend.min.js" >"$dest/nhsuk-frontend.min.js"
cp "$dist"/assets/images/*.svg "$dist"/assets/images/nhsuk-icon-*.png "$dist"/assets/images/favicon.ico "$dest/assets/images/"
# The CSS as shipped, with two changes the strict Content Security Policy needs: the Frutiger
# @font-face rules point at assets.nhs.uk (not served here; the stylesheet falls back to Arial), and
# the icons are referenced from the site root (/assets/...), which here is under /static/nhsuk/;
# and the source map comment goes, as for the script.
sed -e 's#@font-face{[^}]*}##g' -e 's#url(/assets/#url(assets/#g' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
  "$dist/nhsuk-frontend.min.css" >"$dest/nhsuk-frontend.min.css"
if grep -q 'https://' "$dest/nhsuk-frontend.min.css"; then
  echo "nhsuk-frontend.min.css still refers to another site; the CSP would block it" >&2
  exit 1
fi
echo "nhsuk-frontend $version copied into static/nhsuk/"
