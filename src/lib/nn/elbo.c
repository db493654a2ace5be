#include "nn/elbo.h"

#include <math.h>

/* log(2 pi) / 2 */
static const double HALF_LOG_2PI = 0.91893853320467274178;

double gauss_loglik_forward(const double *y, const double *yhat, size_t n, double sigma)
{
    double sq = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - yhat[i];
        sq += r * r;
    }
    return -0.5 * sq / (sigma * sigma) - (double)n * (log(sigma) + HALF_LOG_2PI);
}

void gauss_loglik_backward(double *dyhat, const double *y, const double *yhat, size_t n,
                           double sigma, double dout)
{
    double scale = dout / (sigma * sigma);
    for (size_t i = 0; i < n; i++)
        dyhat[i] += scale * (y[i] - yhat[i]);
}

double kl_normal_forward(const double *mean, const double *logvar, int Z)
{
    double kl = 0.0;
    for (int j = 0; j < Z; j++)
        kl += exp(logvar[j]) + mean[j] * mean[j] - 1.0 - logvar[j];
    return 0.5 * kl;
}

void kl_normal_backward(double *dmean, double *dlogvar, const double *mean, const double *logvar,
                        int Z, double dout)
{
    for (int j = 0; j < Z; j++) {
        dmean[j] += dout * mean[j];
        dlogvar[j] += 0.5 * dout * (exp(logvar[j]) - 1.0);
    }
}

void reparam_forward(double *z, const double *mean, const double *logvar, const double *eps,
                     int Z)
{
    for (int j = 0; j < Z; j++)
        z[j] = mean[j] + exp(0.5 * logvar[j]) * eps[j];
}

void reparam_backward(double *dmean, double *dlogvar, const double *dz, const double *logvar,
                      const double *eps, int Z)
{
    for (int j = 0; j < Z; j++) {
        dmean[j] += dz[j];
        dlogvar[j] += 0.5 * dz[j] * eps[j] * exp(0.5 * logvar[j]);
    }
}
