#include "nn/mlp_field.h"

#include <stdlib.h>
#include <string.h>

/* Packs the MLP input [y_row[col .. col + in), t] for each example, where in
 * is the MLP's state input width (fd->in) and a state row is fd->dim wide. */
static const double *pack_input(field_t *fd, double t, const double *y, int col)
{
    int B = fd->batch, m = fd->in, w = m + fd->time_dependent;
    if (!fd->time_dependent && col == 0 && m == fd->dim)
        return y; /* the state itself is the input */
    for (int i = 0; i < B; i++) {
        double *row = fd->inp + (size_t)i * w;
        memcpy(row, y + (size_t)i * fd->dim + col, (size_t)m * sizeof *row);
        if (fd->time_dependent)
            row[m] = t;
    }
    return fd->inp;
}

/* Where g's input starts in a second-order state row [v, x]: at x, or at v
 * when g reads the whole state. */
static int g_col(const field_t *fd) { return fd->in == fd->dim ? 0 : fd->half; }

static int field_rhs(void *ctx, double t, const double *y, double *ydot)
{
    field_t *fd = ctx;
    int B = fd->batch, m = fd->half, D = fd->dim;
    if (!fd->second_order) {
        const double *out = mlp_forward(&fd->mlp, fd->theta, pack_input(fd, t, y, 0), B, &fd->ws);
        memcpy(ydot, out, (size_t)B * D * sizeof *ydot);
        return 0;
    }
    const double *g = mlp_forward(&fd->mlp, fd->theta, pack_input(fd, t, y, g_col(fd)), B, &fd->ws);
    for (int i = 0; i < B; i++) {
        double *row = ydot + (size_t)i * D;
        memcpy(row, g + (size_t)i * m, (size_t)m * sizeof *row);
        memcpy(row + m, y + (size_t)i * D, (size_t)m * sizeof *row);
    }
    return 0;
}

static int field_vjp(void *ctx, double t, const double *y, const double *a, double *fy,
                     double *vjp_y, double *vjp_p)
{
    field_t *fd = ctx;
    int B = fd->batch, m = fd->half, D = fd->dim, w = fd->in + fd->time_dependent;
    memset(vjp_p, 0, fd->mlp.n_params * sizeof *vjp_p);
    if (!fd->second_order) {
        const double *inp = pack_input(fd, t, y, 0);
        const double *out = mlp_forward(&fd->mlp, fd->theta, inp, B, &fd->ws);
        if (fy)
            memcpy(fy, out, (size_t)B * D * sizeof *fy);
        if (!fd->time_dependent) {
            mlp_backward(&fd->mlp, fd->theta, inp, B, &fd->ws, a, vjp_y, vjp_p);
            return 0;
        }
        mlp_backward(&fd->mlp, fd->theta, inp, B, &fd->ws, a, fd->dinp, vjp_p);
        for (int i = 0; i < B; i++) /* drop the time column's share */
            memcpy(vjp_y + (size_t)i * D, fd->dinp + (size_t)i * w, (size_t)D * sizeof *vjp_y);
        return 0;
    }
    /* [v, x]' = [g(x, t), v]:  a^T J = [a_x, a_v^T dg/dx]; when g reads
     * [v, x], a^T J = [a_x + a_v^T dg/dv, a_v^T dg/dx]. */
    const double *inp = pack_input(fd, t, y, g_col(fd));
    const double *g = mlp_forward(&fd->mlp, fd->theta, inp, B, &fd->ws);
    for (int i = 0; i < B; i++) {
        const double *arow = a + (size_t)i * D;
        memcpy(fd->dout + (size_t)i * m, arow, (size_t)m * sizeof *arow);
        if (fy) {
            memcpy(fy + (size_t)i * D, g + (size_t)i * m, (size_t)m * sizeof *fy);
            memcpy(fy + (size_t)i * D + m, y + (size_t)i * D, (size_t)m * sizeof *fy);
        }
    }
    mlp_backward(&fd->mlp, fd->theta, inp, B, &fd->ws, fd->dout, fd->dinp, vjp_p);
    int whole = g_col(fd) == 0;
    for (int i = 0; i < B; i++) {
        double *vrow = vjp_y + (size_t)i * D;
        const double *arow = a + (size_t)i * D, *drow = fd->dinp + (size_t)i * w;
        for (int j = 0; j < m; j++)
            vrow[j] = whole ? arow[m + j] + drow[j] : arow[m + j];
        memcpy(vrow + m, drow + (whole ? m : 0), (size_t)m * sizeof *vrow);
    }
    return 0;
}

int field_init(field_t *fd, int dim, int n_hidden, const int *hidden, act_t hidden_act,
               act_t final_act, int time_dependent, int second_order, int max_batch,
               err_t *e)
{
    memset(fd, 0, sizeof *fd);
    if (dim < 1)
        return err_set(e, "field: state dimension must be positive (got %d)", dim);
    if (second_order && dim % 2 != 0)
        return err_set(e, "field: a second-order state [v, x] needs an even dimension (got %d)",
                       dim);
    if (n_hidden < 0 || n_hidden + 1 > MLP_MAX_LAYERS)
        return err_set(e, "field: between 0 and %d hidden layers (got %d)", MLP_MAX_LAYERS - 1,
                       n_hidden);
    if (second_order < 0 || second_order > 2)
        return err_set(e, "field: second_order is 0, 1 or 2 (got %d)", second_order);
    fd->dim = dim;
    fd->half = second_order ? dim / 2 : dim;
    fd->in = second_order == 1 ? fd->half : dim;
    fd->time_dependent = time_dependent ? 1 : 0;
    fd->second_order = second_order ? 1 : 0;
    fd->max_batch = max_batch;
    int dims[MLP_MAX_LAYERS + 1];
    act_t acts[MLP_MAX_LAYERS];
    dims[0] = fd->in + fd->time_dependent;
    for (int l = 0; l < n_hidden; l++) {
        dims[l + 1] = hidden[l];
        acts[l] = hidden_act;
    }
    dims[n_hidden + 1] = fd->half;
    acts[n_hidden] = final_act;
    if (mlp_init(&fd->mlp, n_hidden + 1, dims, acts, 0) != 0)
        return err_set(e, "field: hidden widths must be positive");
    mlp_ws_alloc(&fd->ws, &fd->mlp, max_batch);
    size_t w = (size_t)max_batch * (fd->in + fd->time_dependent);
    fd->inp = xmalloc(w * sizeof(double));
    fd->dinp = xmalloc(w * sizeof(double));
    fd->dout = xmalloc((size_t)max_batch * fd->half * sizeof(double));
    fd->f.ctx = fd;
    fd->f.rhs = field_rhs;
    fd->f.vjp = field_vjp;
    fd->f.n_params = fd->mlp.n_params;
    return 0;
}

void field_free(field_t *fd)
{
    mlp_ws_free(&fd->ws);
    free(fd->inp);
    free(fd->dinp);
    free(fd->dout);
    memset(fd, 0, sizeof *fd);
}

size_t field_n_params(const field_t *fd) { return fd->mlp.n_params; }

void field_bind(field_t *fd, int batch, const double *theta)
{
    fd->batch = batch;
    fd->theta = theta;
    fd->f.n = (size_t)batch * fd->dim;
}
