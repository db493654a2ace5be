#include "core/comm.h"

void comm_sum(comm_t *c, double *x, size_t n)
{
    c->calls++;
    c->sum(c->ctx, x, n);
}

void comm_max(comm_t *c, double *x, size_t n)
{
    c->calls++;
    c->max(c->ctx, x, n);
}
