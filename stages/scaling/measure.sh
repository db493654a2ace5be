#!/bin/sh
# Measures data-parallel training of the ODE-Net (stages/odenet/odenet.ini:
# 64 channels, float32 convolutions in oneDNN, batch 128) on this machine,
# with 1 and with 2 processes of one thread each, over MPI:
#
#   stages/scaling/measure.sh BINDIR MNIST_DIR IMAGES TEST_IMAGES OUTDIR
#
# Each run trains 2 epochs of IMAGES training images and scores TEST_IMAGES
# test images after each.  The second epoch is the one measured (the first
# also plans oneDNN's primitives).  Writes OUTDIR/measured.tsv, one row per
# process count:
#   ranks  step_seconds  reduction_seconds  reductions  short_reductions
#   long_reductions  long_values  bytes_sent  other_seconds  test_chunks
# per training step (both epochs' mean for the counts, which do not depend
# on the epoch's data but on the solver's steps; the second epoch's for the
# times), and other_seconds: the wall time per epoch outside training
# (scoring the test set, reading the data, starting up), test_chunks: the
# scoring chunks each process ran per epoch.  Nothing is written unless
# every run succeeds.
set -eu
bin=$1
mnist=$2
images=$3
test_images=$4
out=$5
ini=$(dirname "$0")/../odenet/odenet.ini
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mpirun refuses to start as root unless told twice; a measurement run as
# root (CI, a fresh machine's first `make`) needs it, for this command only.
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
set -- --config "$ini" --data "$mnist" --set train.epochs=2 --set data.train_count="$images" \
    --set data.test_count="$test_images" --set train.threads=1

printf 'ranks\tstep_seconds\treduction_seconds\treductions\tshort_reductions\tlong_reductions\tlong_values\tbytes_sent\tother_seconds\ttest_chunks\n' \
    > "$tmp/measured.tsv"
for np in 1 2; do
    start=$(date +%s.%N)
    mpirun -np "$np" --oversubscribe "$bin/train" "$@" --log "$tmp/log$np.tsv" \
        --model "$tmp/model$np.ckpt" --comm-stats "$tmp/stats$np.tsv" 2> "$tmp/err$np" || {
        cat "$tmp/err$np" >&2
        echo "measure: the $np-process run failed" >&2
        exit 1
    }
    end=$(date +%s.%N)
    awk -F '\t' -v np="$np" -v start="$start" -v end="$end" -v test="$test_images" '
        FNR == 1 { next }
        FILENAME ~ /log/ { steps = $2 - prev; prev = $2; secs[FNR - 1] = $9; total += $9; epochs++ }
        FILENAME ~ /stats/ { s = $2; red = $3; sh = $4; lo = $5; vals = $6; bytes = $7; rsec = $8 }
        END {
            wall = end - start
            if (np == 1) { s = steps * epochs; red = sh = lo = vals = bytes = rsec = 0 }
            chunks = int((test + 127) / 128)
            printf "%d\t%.4f\t%.5f\t%.2f\t%.2f\t%.2f\t%.1f\t%.1f\t%.3f\t%d\n", np,
                secs[2] / steps, rsec / s, red / s, sh / s, lo / s, vals / s, bytes / s,
                (wall - total) / epochs, int((chunks + np - 1) / np)
        }' "$tmp/log$np.tsv" "$tmp/stats$np.tsv" >> "$tmp/measured.tsv"
done
mkdir -p "$out"
mv "$tmp/measured.tsv" "$out/measured.tsv"
