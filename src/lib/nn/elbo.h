/* The pieces of the latent ODE's evidence lower bound (report 002; Chen et
 * al. 2018, Sec. 5; Kingma & Welling 2014), per trajectory, each a pure
 * forward function with its backward beside it:
 *
 *   ELBO = log p(y | z0) - KL(q(z0 | x) || p(z0)),
 *   z0 = mean + exp(logvar / 2) * eps,  eps ~ N(0, I) drawn by the caller,
 *   p(y | z0) = prod N(y; yhat(z0), sigma^2),  p(z0) = N(0, I).
 *
 * Size legend: n observed scalars (points x dims, row-major, e.g. (n_pts, 2)),
 * Z latent.  Every backward here ADDS (+=) into the gradients it writes,
 * scaled by `dout` = dL/d(the forward's value), because dL/dmean and
 * dL/dlogvar collect both the KL share and the reparameterisation share. */
#ifndef NODE_NN_ELBO_H
#define NODE_NN_ELBO_H

#include <stddef.h>

/* sum_i log N(y_i; yhat_i, sigma^2)
 *   = -sum_i (y_i - yhat_i)^2 / (2 sigma^2) - n (log sigma + log(2 pi) / 2),
 * y, yhat (n); sigma > 0 (the known observation noise sd). */
double gauss_loglik_forward(const double *y, const double *yhat, size_t n, double sigma);
/* dyhat (n) += dout * (y - yhat) / sigma^2 */
void gauss_loglik_backward(double *dyhat, const double *y, const double *yhat, size_t n,
                           double sigma, double dout);

/* KL(N(mean, diag exp(logvar)) || N(0, I))
 *   = 1/2 sum_j (exp(logvar_j) + mean_j^2 - 1 - logvar_j),  mean, logvar (Z). */
double kl_normal_forward(const double *mean, const double *logvar, int Z);
/* dmean (Z) += dout * mean;  dlogvar (Z) += dout * (exp(logvar) - 1) / 2 */
void kl_normal_backward(double *dmean, double *dlogvar, const double *mean, const double *logvar,
                        int Z, double dout);

/* z (Z) = mean + exp(logvar / 2) * eps;  mean, logvar, eps (Z). */
void reparam_forward(double *z, const double *mean, const double *logvar, const double *eps,
                     int Z);
/* VJP of dz (Z) = dL/dz: dmean += dz;  dlogvar += dz * eps * exp(logvar / 2) / 2 */
void reparam_backward(double *dmean, double *dlogvar, const double *dz, const double *logvar,
                      const double *eps, int Z);

#endif
