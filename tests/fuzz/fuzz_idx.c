/* libFuzzer: the MNIST idx reader (src/lib/data/idx.c), images and labels, whole
 * files and a first-image limit. */
#include "fuzz.h"
#include "data/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, NULL, 0);
    for (int max = 0; max <= 1; max++) {
        err_t e = {{0}};
        idx_images_t im;
        if (idx_load_images(path, max, &im, &e) == 0) {
            if (im.count < 0 || im.rows <= 0 || im.cols <= 0)
                abort();
            volatile double s = 0;
            for (size_t i = 0; i < (size_t)im.count * (size_t)(im.rows * im.cols); i++)
                s += im.pixels[i];
            if (!(s >= 0))
                abort();
            idx_free_images(&im);
        }
        idx_labels_t lb;
        if (idx_load_labels(path, max, &lb, &e) == 0) {
            for (int i = 0; i < lb.count; i++)
                if (lb.labels[i] > 9)
                    abort();
            idx_free_labels(&lb);
        }
    }
    return 0;
}
