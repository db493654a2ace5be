#!/bin/sh
# Numbers behind the ANODE report's circles claims, from the run summaries:
#   circles_loss_ratio_p0_p10   NODE's final training loss over p = 10's
#   circles_train_points, circles_test_points   the datasets' sizes (rows
#                               after the header)
#   circles_pP_loss_at_100      mean minibatch training loss over iterations
#                               91-110 (a window: one minibatch's loss is
#                               noisy), how far training got by then
#   circles_pP_grid_angular_sd  how far the predicted map is from concentric:
#                               grid points with r <= 3 in rings of width
#                               0.25, the mean over rings of the prediction's
#                               sd around the ring, over the range of the
#                               rings' means (0 for perfect circles)
#   circles_pP_grid_radial_decreasing  share of consecutive rings whose mean
#                               prediction does not rise outwards (by more
#                               than 5% of that range)
#   circles_p0_features_procrustes  how far the NODE's features h(T) are from
#                               a similarity map (rotation or reflection,
#                               scale, shift) of the test inputs x: the
#                               residual of the best such map over the spread
#                               of h(T) (0: only moved and scaled; 1: nothing
#                               of x is left)
#   circles_pP_test_accuracy_pct  the test accuracy as a percentage, as the
#                               paper gives every other accuracy (eval writes
#                               a fraction, which the claims and rows use)
#
#   claims.sh DIR OUT
set -eu
dir=$1
out=$2
. src/scripts/summary.sh
a=$(get "$dir/p0/train.tsv" circles_p0_train_loss)
b=$(get "$dir/p10/train.tsv" circles_p10_train_loss)
awk -v a="$a" -v b="$b" 'BEGIN { printf "circles_loss_ratio_p0_p10\t%.4g\n", a / b }' > "$out"
for p in 0 2 5 10; do
    v=$(get "$dir/p$p/eval.tsv" "circles_p${p}_test_accuracy")
    awk -v p="$p" -v v="$v" 'BEGIN { printf "circles_p%s_test_accuracy_pct\t%.2f\n", p, 100 * v }' >> "$out"
    awk -F '\t' -v p="$p" 'NR > 1 && $1 >= 91 && $1 <= 110 { s += $2; n++ }
        END { if (n != 20) { print "claims.sh: p" p "/log.tsv lacks iterations 91-110" > "/dev/stderr"; exit 1 }
              printf "circles_p%s_loss_at_100\t%.6g\n", p, s / n }' "$dir/p$p/log.tsv" >> "$out"
    awk -v p="$p" '
        /^#/ { next }
        { r = sqrt($1 * $1 + $2 * $2); if (r > 3) next
          k = int(r / 0.25); if (k > 11) k = 11
          n[k]++; s[k] += $3; q[k] += $3 * $3 }
        END {
            lo = 1e300; hi = -1e300
            for (k = 0; k < 12; k++) {
                if (n[k] < 4) { print "claims.sh: p" p "/grid.tsv: too few grid points in ring " k > "/dev/stderr"; exit 1 }
                m[k] = s[k] / n[k]; v = q[k] / n[k] - m[k] * m[k]; sd[k] = v > 0 ? sqrt(v) : 0
                if (m[k] < lo) lo = m[k]; if (m[k] > hi) hi = m[k]; t += sd[k]
            }
            range = hi - lo
            for (k = 0; k < 11; k++) d += (m[k + 1] <= m[k] + 0.05 * range)
            printf "circles_p%s_grid_angular_sd\t%.4g\n", p, (range > 0 ? t / 12 / range : 1e9)
            printf "circles_p%s_grid_radial_decreasing\t%.4g\n", p, d / 11
        }' "$dir/p$p/grid.tsv" >> "$out"
done
# Orthogonal Procrustes in 2-D, closed form: after centring, the best
# rotation by angle a maximises cos(a) * sum(x.h) + sin(a) * sum(x cross h);
# a reflection of x is tried too and the better kept.
paste "$dir/test.tsv" "$dir/p0/features.tsv" | awk -F '\t' '
    NR == 1 { next }
    { n++; x[n] = $1; y[n] = $2; u[n] = $4; v[n] = $5; mx += $1; my += $2; mu += $4; mv += $5 }
    END {
        if (n < 3) { print "claims.sh: too few test points for the Procrustes fit" > "/dev/stderr"; exit 1 }
        mx /= n; my /= n; mu /= n; mv /= n
        best = -1
        for (f = 1; f >= -1; f -= 2) {
            dot = 0; crs = 0; xx = 0; hh = 0
            for (i = 1; i <= n; i++) {
                a = x[i] - mx; b = f * (y[i] - my); c = u[i] - mu; d = v[i] - mv
                dot += a * c + b * d; crs += a * d - b * c; xx += a * a + b * b; hh += c * c + d * d
            }
            # residual of the best scaled rotation: hh - (dot^2 + crs^2) / xx
            r = (hh - (dot * dot + crs * crs) / xx) / hh
            if (best < 0 || r < best) best = r
        }
        printf "circles_p0_features_procrustes\t%.4g\n", best
    }' >> "$out"
for set in train test; do
    n=$(awk 'END { print NR - 1 }' "$dir/$set.tsv")
    printf 'circles_%s_points\t%s\n' "$set" "$n" >> "$out"
done
