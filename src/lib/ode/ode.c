#include "core/util.h"
#include "ode/ode.h"
#include "ode/nvec_fast.h"

#include <arkode/arkode_erkstep.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>

static const char *const method_names[] = {"dopri5", "tsit5", "bosh3", "verner6", "rk4", "euler"};

int ode_method_parse(const char *name, ode_method_t *out)
{
    int i = name_index(method_names, 6, name);
    if (i < 0)
        return -1;
    *out = (ode_method_t)i;
    return 0;
}

const char *ode_method_name(ode_method_t m) { return method_names[m]; }
int ode_method_is_fixed(ode_method_t m) { return m == ODE_RK4 || m == ODE_EULER; }

int ode_controller_parse(const char *name, int *out)
{
    if (strcmp(name, "arkode") == 0)
        *out = ODE_CTRL_ARKODE;
    else if (strcmp(name, "elementary") == 0)
        *out = ODE_CTRL_ELEMENTARY;
    else
        return -1;
    return 0;
}

/* The elementary controller's proposal, before ARKODE applies the safety
 * factor and the growth bounds set in set_controller: the step that would
 * have given an error norm of exactly 1 if the error scaled as h^(p+1). */
static int elementary_step(N_Vector y, double t, double h1, double h2, double h3, double e1,
                           double e2, double e3, int q, int p, double *hnew, void *user_data)
{
    (void)y, (void)t, (void)h2, (void)h3, (void)e2, (void)e3, (void)user_data;
    int order = (p > 0 && p < q ? p : q - 1) + 1;
    *hnew = e1 > 1e-10 ? h1 * pow(e1, -1.0 / order) : 1e10 * fabs(h1);
    return 0;
}

static int set_controller(void *mem, int controller)
{
    if (controller != ODE_CTRL_ELEMENTARY)
        return 0;
    int flag = ERKStepSetAdaptivityFn(mem, elementary_step, NULL);
    if (flag >= 0)
        flag = ERKStepSetErrorBias(mem, 1.0);
    if (flag >= 0)
        flag = ERKStepSetSafetyFactor(mem, 0.9);
    if (flag >= 0)
        flag = ERKStepSetMaxGrowth(mem, 10.0);
    if (flag >= 0)
        flag = ERKStepSetMaxFirstGrowth(mem, 10.0);
    if (flag >= 0)
        flag = ERKStepSetMinReduction(mem, 0.2);
    if (flag >= 0)
        flag = ERKStepSetFixedStepBounds(mem, 1.0, 1.0);
    return flag;
}

ode_options_t ode_options_default(void)
{
    ode_options_t o = {.method = ODE_DOPRI5, .rtol = 1e-3, .atol = 1e-3, .max_steps = 10000,
                       .fixed_steps = 10};
    return o;
}

/* One ERKStep integrator for a given state length, reused across solves
 * (ERKStepReInit) so that a training step allocates nothing. */
typedef struct {
    void *mem;
    N_Vector y;
    N_Vector f0, y1, f1, ewt; /* first-step selection */
    size_t n;
    size_t n_state; /* backward: length of the h block */
} integrator_t;

struct ode_solver {
    ode_options_t opt;
    SUNContext sunctx;
    ARKodeButcherTable table;
    integrator_t fwd, bwd;
    const odefunc_t *f; /* the field of the solve in progress */
    long nfe;           /* evaluations of the solve in progress */
    double *tmp;        /* (n) scratch for the time derivatives */
    size_t tmp_n;
    double *share;      /* (n_params) the group's dL/dtheta (ode_options_t.comm) */
    size_t share_n;
    ode_stats_t stats;
    char arkode_msg[256]; /* ARKODE's last error message */
    /* dopri5's own dense output: fwd_rhs records its last 7 evaluations
     * while `capture` is set (ring: (7, n), their times ring_t). */
    int capture;
    double *ring, ring_t[7];
    long ring_count;
    double *k1, *yprev, *ymid; /* (n) each: f and y at the step's start */
    size_t dense_n;
};

/* Tsitouras, "Runge-Kutta pairs of order 5(4) satisfying only the first
 * column simplifying assumption", Comput. Math. Appl. 62 (2011) 770-775,
 * Table 1: c, A and b (FSAL: the last row of A is b); the embedded 4th-order
 * weights are b + e with the error coefficients e of the same paper. */
static ARKodeButcherTable tsit5_table(void)
{
    double c[7] = {0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0};
    double A[49] = {0};
    double rows[7][6] = {
        {0},
        {0.161},
        {-0.008480655492356989, 0.335480655492357},
        {2.897153057105493, -6.359448489975075, 4.3622954328695815},
        {5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525},
        {5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401,
         -0.028269050394068383},
        {0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081,
         2.324710524099774},
    };
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < i; j++)
            A[i * 7 + j] = rows[i][j];
    double b[7] = {0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742,
                   -3.290069515436081, 2.324710524099774, 0.0};
    double err[7] = {-0.00178001105222577714, -0.0008164344596567469, 0.007880878010261995,
                     -0.1447110071732629, 0.5823571654525552, -0.45808210592918697,
                     1.0 / 66.0};
    double d[7];
    for (int i = 0; i < 7; i++)
        d[i] = b[i] + err[i];
    return ARKodeButcherTable_Create(7, 5, 4, c, A, b, d);
}

static ARKodeButcherTable rk4_table(void)
{
    double c[4] = {0.0, 0.5, 0.5, 1.0};
    double A[16] = {0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 1.0, 0};
    double b[4] = {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};
    return ARKodeButcherTable_Create(4, 4, 0, c, A, b, NULL);
}

static ARKodeButcherTable euler_table(void)
{
    double c[1] = {0.0}, A[1] = {0.0}, b[1] = {1.0};
    return ARKodeButcherTable_Create(1, 1, 0, c, A, b, NULL);
}

/* SUNDIALS <= 6.5 ERKStep treats every table whose last node is c_s = 1 as
 * first-same-as-last and reuses its last stage as the next step's first
 * (LLNL/sundials issue #311, fixed in 6.6; Debian 12 ships 6.4.1).  For a
 * table that is not really FSAL (classical RK4, Verner 6(5)) that silently
 * drops the order.  Appending one stage at c = 1 whose row is b makes the
 * table genuinely FSAL: the extra stage is f(y_{n+1}), which ARKODE then
 * correctly reuses, so the cost per step is unchanged. */
static ARKodeButcherTable make_fsal(ARKodeButcherTable B)
{
    if (!B || B->c[B->stages - 1] != 1.0)
        return B;
    int s = B->stages;
    int fsal = 1;
    for (int j = 0; j < s; j++)
        if (B->A[s - 1][j] != B->b[j])
            fsal = 0;
    if (fsal)
        return B;
    int S = s + 1;
    double *A = xcalloc((size_t)S * S, sizeof *A), *c = xcalloc(S, sizeof *c),
           *b = xcalloc(S, sizeof *b), *d = B->d ? xcalloc(S, sizeof *d) : NULL;
    for (int i = 0; i < s; i++) {
        for (int j = 0; j < s; j++)
            A[i * S + j] = B->A[i][j];
        c[i] = B->c[i];
        b[i] = B->b[i];
        if (d)
            d[i] = B->d[i];
    }
    for (int j = 0; j < s; j++)
        A[s * S + j] = B->b[j];
    c[s] = 1.0;
    ARKodeButcherTable F = ARKodeButcherTable_Create(S, B->q, B->p, c, A, b, d);
    ARKodeButcherTable_Free(B);
    free(A);
    free(c);
    free(b);
    free(d);
    return F;
}

static ARKodeButcherTable method_table_raw(ode_method_t m)
{
    switch (m) {
    case ODE_DOPRI5:
        return ARKodeButcherTable_LoadERK(ARKODE_DORMAND_PRINCE_7_4_5);
    case ODE_TSIT5:
        return tsit5_table();
    case ODE_BOSH3:
        return ARKodeButcherTable_LoadERK(ARKODE_BOGACKI_SHAMPINE_4_2_3);
    case ODE_VERNER6:
        return ARKodeButcherTable_LoadERK(ARKODE_VERNER_8_5_6);
    case ODE_RK4:
        return rk4_table();
    case ODE_EULER:
        return euler_table();
    }
    return NULL;
}

static ARKodeButcherTable method_table(ode_method_t m) { return make_fsal(method_table_raw(m)); }

int ode_solver_create(ode_solver_t **out, const ode_options_t *opt, err_t *e)
{
    *out = NULL;
    int fixed = ode_method_is_fixed(opt->method);
    if (!fixed && !(opt->rtol > 0 && opt->atol > 0))
        return err_set(e, "ode: rtol and atol must be positive (got %g, %g)", opt->rtol,
                       opt->atol);
    if (fixed && opt->fixed_steps < 1)
        return err_set(e, "ode: fixed_steps must be at least 1 (got %ld)", opt->fixed_steps);
    if (opt->max_steps < 0)
        return err_set(e, "ode: max_steps must not be negative");
    if (!(opt->adjoint_rtol >= 0 && opt->adjoint_atol >= 0 && isfinite(opt->adjoint_rtol) &&
          isfinite(opt->adjoint_atol)))
        return err_set(e, "ode: adjoint_rtol and adjoint_atol must be finite and >= 0 "
                          "(0 = as forward; got %g, %g)", opt->adjoint_rtol, opt->adjoint_atol);
    ode_solver_t *s = xcalloc(1, sizeof *s);
    s->opt = *opt;
    if (s->opt.adjoint_rtol <= 0)
        s->opt.adjoint_rtol = opt->rtol;
    if (s->opt.adjoint_atol <= 0)
        s->opt.adjoint_atol = opt->atol;
    if (SUNContext_Create(NULL, &s->sunctx) != 0) {
        free(s);
        return err_set(e, "ode: SUNContext_Create failed");
    }
    s->table = method_table(opt->method);
    if (!s->table) {
        SUNContext_Free(&s->sunctx);
        free(s);
        return err_set(e, "ode: cannot build the Butcher table of %s",
                       ode_method_name(opt->method));
    }
    *out = s;
    return 0;
}

static void integrator_free(integrator_t *in)
{
    if (in->mem)
        ERKStepFree(&in->mem);
    N_Vector *vs[5] = {&in->y, &in->f0, &in->y1, &in->f1, &in->ewt};
    for (int i = 0; i < 5; i++)
        if (*vs[i])
            N_VDestroy(*vs[i]);
    memset(in, 0, sizeof *in);
}

void ode_solver_free(ode_solver_t *s)
{
    if (!s)
        return;
    integrator_free(&s->fwd);
    integrator_free(&s->bwd);
    ARKodeButcherTable_Free(s->table);
    SUNContext_Free(&s->sunctx);
    free(s->tmp);
    free(s->share);
    free(s->ring);
    free(s->k1);
    free(s->yprev);
    free(s->ymid);
    free(s);
}

ode_stats_t ode_solver_stats(const ode_solver_t *s) { return s->stats; }

/* ARKODE reports failures through this handler; keep the text for our own
 * message instead of letting ARKODE print to stderr. */
static void capture_error(int code, const char *module, const char *function, char *msg,
                          void *data)
{
    ode_solver_t *s = data;
    (void)code;
    (void)module;
    snprintf(s->arkode_msg, sizeof s->arkode_msg, "%s: %s", function, msg);
}

/* Is the solve coupled to a group's (ode_options_t.comm)? */
static int grouped(const ode_solver_t *s)
{
    return s->opt.comm && s->opt.comm->coupled && s->opt.comm->size > 1;
}

/* The group's verdict on an evaluation: the worst of its members' (an
 * unrecoverable -1 over a recoverable 1 over success), so that all take
 * the same path through ARKODE. */
static int agree(ode_solver_t *s, int status)
{
    if (!grouped(s))
        return status;
    double v = status < 0 ? 2.0 : (double)status;
    comm_max(s->opt.comm, &v, 1);
    return v == 2.0 ? -1 : (int)v;
}

static int fwd_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *data)
{
    ode_solver_t *s = data;
    s->nfe++;
    size_t n = s->f->n;
    double *yd = N_VGetArrayPointer(ydot);
    /* A non-finite derivative is recoverable: ARKODE retries a smaller step;
     * if that keeps failing the solve stops with an error. */
    int status = s->f->rhs(s->f->ctx, t, N_VGetArrayPointer(y), yd) != 0 ? -1
                 : all_finite(yd, n)                                   ? 0
                                                                       : 1;
    if (s->capture && status == 0) {
        int j = (int)(s->ring_count % 7);
        memcpy(s->ring + (size_t)j * n, yd, n * sizeof *yd);
        s->ring_t[j] = t;
        s->ring_count++;
    }
    return agree(s, status);
}

/* Backward system in s = -t, state Y = [h, a, g] (n, n, n_params):
 *   dh/ds = -f(t, h),  da/ds = a^T df/dh,  dg/ds = a^T df/dtheta
 * (Chen et al. 2018, eqs. 4 and 5 with time reversed), so that after
 * integrating from s = -t_K to s = -t0, a = dL/dh(t0) and g = dL/dtheta. */
static int bwd_rhs(sunrealtype sv, N_Vector y, N_Vector ydot, void *data)
{
    ode_solver_t *s = data;
    s->nfe++;
    size_t n = s->f->n, np = s->f->n_params;
    const double *Y = N_VGetArrayPointer(y);
    double *D = N_VGetArrayPointer(ydot);
    if (s->f->vjp(s->f->ctx, -sv, Y, Y + n, D, D + n, D + 2 * n) != 0)
        return agree(s, -1);
    for (size_t i = 0; i < n; i++)
        D[i] = -D[i];
    return agree(s, all_finite(D, 2 * n + np) ? 0 : 1);
}

/* Error weights of the backward solve, the usual 1 / (rtol |y| + atol).
 * The backward state's norm is the maximum of the RMS norms of its three
 * blocks h, a and dL/dtheta (nvec_blocked_install; torchdiffeq's default
 * for the adjoint).  With the seminorm (Kidger, Chen & Lyons 2021) the
 * parameter-gradient block gets weight 0 and drops out: it is a pure
 * quadrature that no other component depends on, so its local error need
 * not limit the step. */
static int bwd_ewt(N_Vector y, N_Vector ewt, void *data)
{
    ode_solver_t *s = data;
    size_t n = s->f->n, N = 2 * n + s->f->n_params;
    const double *Y = N_VGetArrayPointer(y);
    double *W = N_VGetArrayPointer(ewt);
    double rtol = s->opt.adjoint_rtol, atol = s->opt.adjoint_atol;
    size_t controlled = s->opt.seminorm ? 2 * n : N;
    if (grouped(s) && !s->opt.seminorm) {
        /* dL/dtheta is a share: its weights are the group's sum's. */
        size_t np = N - 2 * n;
        memcpy(s->share, Y + 2 * n, np * sizeof *Y);
        comm_sum(s->opt.comm, s->share, np);
        for (size_t i = 0; i < np; i++)
            W[2 * n + i] = 1.0 / (rtol * fabs(s->share[i]) + atol);
        controlled = 2 * n;
    }
    for (size_t i = 0; i < controlled; i++)
        W[i] = 1.0 / (rtol * fabs(Y[i]) + atol);
    for (size_t i = s->opt.seminorm ? controlled : N; i < N; i++)
        W[i] = 0.0;
    return 0;
}

/* ARKODE's name for a return flag, copied into buf: ERKStepGetReturnFlagName
 * allocates the string it returns, and the caller must free it. */
static const char *flag_name(int flag, char *buf, size_t cap)
{
    char *name = ERKStepGetReturnFlagName(flag);
    snprintf(buf, cap, "%s", name ? name : "unknown flag");
    free(name);
    return buf;
}

static int check_flag(ode_solver_t *s, int flag, const char *what, err_t *e)
{
    if (flag >= 0)
        return 0;
    char name[64];
    return err_set(e, "ode: %s failed (%s)%s%s", what, flag_name(flag, name, sizeof name),
                   s->arkode_msg[0] ? ": " : "", s->arkode_msg);
}

/* ARKODE's default Hermite interpolant (degree 5 for a 5th-order method)
 * evaluates f at interior points each time it is read, and ARKODE reads it
 * about once per stop even where the step lands on the output time and
 * nothing needs interpolating.  A solve that stops at every output time
 * (every backward solve, and forward ones without dense_output) therefore
 * takes the cubic one, built from the step's end values and slopes alone:
 * the same solution (checkpoints identical) with one evaluation less per
 * output time (the latent stage's adjoint: NFE 1594 -> 1395).  With
 * dense_output the outputs are read from the interpolant, and there the
 * cubic one's error is too large: 2e-5 at tolerance 1e-6 on the test's
 * linear system, against 2e-6 for the default; so dense output keeps the
 * default and its evaluation per output time (the latent stage's forward
 * solve: 4 steps, ~27 evaluations, and ~200 for its 200 output times).
 * dopri5's own continuous extension would cost none. */
static int set_interpolant(void *mem) { return ERKStepSetInterpolantDegree(mem, 3); }

/* (Re)initialises `in` for a state of length n at time t0 with y already
 * holding the initial state (copied by the caller into in->y after this
 * returns when a new vector is made, so callers fill the state afterwards
 * and call ERKStepReset). */
static int integrator_prepare(ode_solver_t *s, integrator_t *in, size_t n, ARKRhsFn rhs,
                              int backward, double span, err_t *e)
{
    if (in->mem && in->n == n && (!backward || in->n_state == s->f->n))
        return 0;
    integrator_free(in);
    in->y = N_VNew_Serial((sunindextype)n, s->sunctx);
    if (!in->y)
        return err_set(e, "ode: cannot allocate a state of %zu values", n);
    /* Fused vector operations: without them N_VLinearCombination, which
     * forms every Runge-Kutta stage, falls back to one N_VLinearSum pass per
     * term, and was a third of a training step.  ARKODE clones this
     * vector, so the setting reaches all its workspace. */
    if (N_VEnableFusedOps_Serial(in->y, SUNTRUE) != 0)
        return err_set(e, "ode: cannot enable fused vector operations");
    if (backward) {
        sunindextype blocks[3] = {(sunindextype)s->f->n, (sunindextype)s->f->n,
                                  (sunindextype)s->f->n_params};
        if (nvec_blocked_install(in->y, blocks, 3) != 0)
            return err_set(e, "ode: cannot set up the adjoint state's block norm");
        in->n_state = s->f->n;
        if (s->opt.comm) {
            size_t np = s->f->n_params;
            if (!s->opt.seminorm && s->share_n < np) {
                free(s->share);
                s->share = xmalloc((np ? np : 1) * sizeof *s->share);
                s->share_n = np;
            }
            if (nvec_group_install(in->y, s->opt.comm, s->opt.seminorm ? 0u : 1u << 2,
                                   s->share) != 0)
                return err_set(e, "ode: cannot set up the group's adjoint norm");
        }
    } else if (s->opt.comm) {
        sunindextype whole = (sunindextype)n;
        if (nvec_blocked_install(in->y, &whole, 1) != 0 ||
            nvec_group_install(in->y, s->opt.comm, 0, NULL) != 0)
            return err_set(e, "ode: cannot set up the group's norm");
    } else {
        nvec_fast_install(in->y);
    }
    N_VConst(0.0, in->y);
    in->f0 = N_VClone(in->y);
    in->y1 = N_VClone(in->y);
    in->f1 = N_VClone(in->y);
    in->ewt = N_VClone(in->y);
    if (!in->f0 || !in->y1 || !in->f1 || !in->ewt)
        return err_set(e, "ode: cannot allocate a state of %zu values", n);
    in->n = n;
    in->mem = ERKStepCreate(rhs, 0.0, in->y, s->sunctx);
    if (!in->mem)
        return err_set(e, "ode: ERKStepCreate failed");
    int flag = ERKStepSetUserData(in->mem, s);
    if (flag >= 0)
        flag = ERKStepSetErrHandlerFn(in->mem, capture_error, s);
    if (flag >= 0)
        flag = ERKStepSetTable(in->mem, s->table);
    if (flag >= 0 && s->opt.max_steps > 0)
        flag = ERKStepSetMaxNumSteps(in->mem, s->opt.max_steps);
    if (flag >= 0) {
        if (ode_method_is_fixed(s->opt.method))
            flag = ERKStepSetFixedStep(in->mem, span / (double)s->opt.fixed_steps);
        else if (backward)
            flag = ERKStepWFtolerances(in->mem, bwd_ewt);
        else
            flag = ERKStepSStolerances(in->mem, s->opt.rtol, s->opt.atol);
    }
    if (flag >= 0 && !ode_method_is_fixed(s->opt.method))
        flag = set_controller(in->mem, s->opt.controller);
    if (flag >= 0 && (backward || !s->opt.dense_output || s->opt.method == ODE_DOPRI5))
        flag = set_interpolant(in->mem);
    return check_flag(s, flag, "integrator set-up", e);
}

static int check_times(double t0, int K, const double *times, err_t *e)
{
    if (K < 1)
        return err_set(e, "ode: need at least one output time");
    if (!(times[0] >= t0))
        return err_set(e, "ode: first output time %g is before t0 = %g", times[0], t0);
    for (int k = 1; k < K; k++)
        if (!(times[k] > times[k - 1]))
            return err_set(e, "ode: output times must increase (t_%d = %g, t_%d = %g)", k,
                           times[k - 1], k + 1, times[k]);
    if (!(times[K - 1] > t0))
        return err_set(e, "ode: the last output time must be after t0");
    return 0;
}

/* Starting step size of Hairer, Norsett & Wanner (Solving ODEs I, Sec. II.4),
 * as used by torchdiffeq and DifferentialEquations.jl: ARKODE 6.4's own
 * estimate here comes out near 1e-6 for a unit interval and then costs
 * several extra steps to grow.  Norms are ARKODE's weighted RMS norms with
 * the solve's own error weights; costs two evaluations. */
static int initial_step(ode_solver_t *s, integrator_t *in, ARKRhsFn rhs, int backward,
                        double t0, double span, double *h_out)
{
    size_t N = in->n;
    int order = s->table->q;
    if (backward)
        bwd_ewt(in->y, in->ewt, s);
    else {
        const double *y = N_VGetArrayPointer(in->y);
        double *w = N_VGetArrayPointer(in->ewt);
        for (size_t i = 0; i < N; i++)
            w[i] = 1.0 / (s->opt.rtol * fabs(y[i]) + s->opt.atol);
    }
    if (rhs(t0, in->y, in->f0, s) != 0)
        return -1;
    double d0 = N_VWrmsNorm(in->y, in->ewt), d1 = N_VWrmsNorm(in->f0, in->ewt);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = fmin(h0, span);
    N_VLinearSum(1.0, in->y, h0, in->f0, in->y1);
    if (rhs(t0 + h0, in->y1, in->f1, s) != 0)
        return -1;
    N_VLinearSum(1.0, in->f1, -1.0, in->f0, in->f1);
    double d2 = N_VWrmsNorm(in->f1, in->ewt) / h0;
    double dmax = fmax(d1, d2);
    double h1 = dmax <= 1e-15 ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / dmax, 1.0 / (order + 1));
    *h_out = fmin(fmin(100.0 * h0, h1), span);
    return 0;
}

/* The forward solve's failure at t of [t0, t_end], with ARKODE's flag and
 * message. */
static int forward_failed(ode_solver_t *s, int flag, double t, double t0, double t_end, err_t *e)
{
    char name[64];
    return err_set(e, "ode: forward solve diverged or failed at t = %g of [%g, %g] (%s)%s%s", t,
                   t0, t_end, flag_name(flag, name, sizeof name), s->arkode_msg[0] ? ": " : "",
                   s->arkode_msg);
}

/* dopri5's continuous extension (Shampine 1986): the solution at the
 * step's midpoint from its seven stage derivatives, then the quartic
 * through y0, y_mid, y1 with slopes f0 and f1, read at theta in [0, 1].
 * Fourth order like the default Hermite interpolant, and free: the stages
 * are the step's own evaluations (ARKODE's interpolant evaluated f again
 * for every output time). */
static const double dopri5_c[7] = {0.0, 0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0};
static const double dopri5_mid[7] = {
    6025192743.0 / 30085553152.0 / 2.0,     0.0,
    51252292925.0 / 65400821598.0 / 2.0,    -2691868925.0 / 45128329728.0 / 2.0,
    187940372067.0 / 1594534317056.0 / 2.0, -1776094331.0 / 19743644256.0 / 2.0,
    11237099.0 / 235043384.0 / 2.0};

static void dense_buffers(ode_solver_t *s, size_t n)
{
    if (s->dense_n >= n)
        return;
    free(s->ring);
    free(s->k1);
    free(s->yprev);
    free(s->ymid);
    s->ring = xmalloc(7 * n * sizeof *s->ring);
    s->k1 = xmalloc(n * sizeof *s->k1);
    s->yprev = xmalloc(n * sizeof *s->yprev);
    s->ymid = xmalloc(n * sizeof *s->ymid);
    s->dense_n = n;
}

/* The stage derivatives of the step just taken from t over h: k1 (saved)
 * and the last six evaluations, which must sit at t + c_i h.  Fills k[7];
 * -1 if the record does not match (then no output is read from it). */
static int step_stages(ode_solver_t *s, double t, double h, size_t n, const double *k[7])
{
    if (s->ring_count < 6)
        return -1;
    k[0] = s->k1;
    for (int i = 1; i < 7; i++) {
        int j = (int)((s->ring_count - 7 + i) % 7);
        double want = t + dopri5_c[i] * h;
        if (fabs(s->ring_t[j] - want) > 1e-12 * (fabs(t) + fabs(h)))
            return -1;
        k[i] = s->ring + (size_t)j * n;
    }
    return 0;
}

/* y at t0 + theta h for every output time in (t, t + h]: yprev, y1 the
 * step's ends, k its stages. */
static void dense_outputs(ode_solver_t *s, const double *y1, const double *const k[7], double t,
                          double h, size_t n, int *kk, int K, const double *times, double *h_out)
{
    const double *y0 = s->yprev, *f0 = k[0], *f1 = k[6];
    for (size_t i = 0; i < n; i++) {
        double acc = 0.0;
        for (int j = 0; j < 7; j++)
            acc += dopri5_mid[j] * k[j][i];
        s->ymid[i] = y0[i] + h * acc;
    }
    while (*kk < K && times[*kk] <= t + h) {
        double th = (times[*kk] - t) / h;
        double *out = h_out + (size_t)*kk * n;
        for (size_t i = 0; i < n; i++) {
            double d1 = y1[i] - y0[i] - h * f0[i], d2 = h * (f1[i] - f0[i]);
            double d3 = s->ymid[i] - y0[i] - 0.5 * h * f0[i];
            double a = -5.0 * d1 + d2 + 16.0 * d3, b = 14.0 * d1 - 3.0 * d2 - 32.0 * d3;
            double c = -8.0 * d1 + 2.0 * d2 + 16.0 * d3;
            out[i] = th >= 1.0 ? y1[i]
                               : y0[i] + th * (h * f0[i] + th * (a + th * (b + th * c)));
        }
        (*kk)++;
    }
}

/* The forward solve of dopri5 with dense output: one step at a time to the
 * last output time, every output in a step read from the extension above.
 * in->f0 holds f(t0, y0) (initial_step). */
static int forward_dopri5_dense(ode_solver_t *s, integrator_t *in, double t0, int K,
                                const double *times, double *h_out, err_t *e)
{
    size_t n = in->n;
    dense_buffers(s, n);
    double *y = N_VGetArrayPointer(in->y);
    memcpy(s->yprev, y, n * sizeof *y);
    memcpy(s->k1, N_VGetArrayPointer(in->f0), n * sizeof *y);
    int kk = 0;
    while (kk < K && times[kk] <= t0)
        memcpy(h_out + (size_t)kk++ * n, y, n * sizeof *y);
    double t = t0;
    s->capture = 1;
    while (kk < K) {
        double tn = t;
        int flag = ERKStepEvolve(in->mem, times[K - 1], in->y, &tn, ARK_ONE_STEP);
        if (flag < 0) {
            s->capture = 0;
            return forward_failed(s, flag, t, t0, times[K - 1], e);
        }
        const double *k[7];
        if (step_stages(s, t, tn - t, n, k) != 0) {
            s->capture = 0;
            return err_set(e, "ode: dense output: the step from t = %g to %g did not record its "
                              "stages as dopri5's (an internal error)", t, tn);
        }
        dense_outputs(s, y, k, t, tn - t, n, &kk, K, times, h_out);
        memcpy(s->k1, k[6], n * sizeof *y);
        memcpy(s->yprev, y, n * sizeof *y);
        t = tn;
    }
    s->capture = 0;
    return 0;
}

int ode_forward(ode_solver_t *s, const odefunc_t *f, double t0, const double *h0, int K,
                const double *times, double *h_out, err_t *e)
{
    if (check_times(t0, K, times, e) != 0)
        return -1;
    size_t n = f->n;
    s->f = f;
    s->nfe = 0;
    s->arkode_msg[0] = '\0';
    s->stats.nfe_forward = s->stats.steps_forward = 0;
    integrator_t *in = &s->fwd;
    double span = times[K - 1] - t0;
    /* The fixed step depends on the span, so re-create for a new span. */
    if (ode_method_is_fixed(s->opt.method))
        integrator_free(in);
    if (integrator_prepare(s, in, n, fwd_rhs, 0, span, e) != 0)
        return -1;
    memcpy(N_VGetArrayPointer(in->y), h0, n * sizeof *h0);
    int flag = ERKStepReInit(in->mem, fwd_rhs, t0, in->y);
    if (flag >= 0 && !ode_method_is_fixed(s->opt.method)) {
        double h_init;
        if (initial_step(s, in, fwd_rhs, 0, t0, span, &h_init) != 0)
            return err_set(e, "ode: cannot evaluate f at t0 = %g", t0);
        flag = ERKStepSetInitStep(in->mem, h_init);
    }
    if (check_flag(s, flag, "ERKStepReInit", e) != 0)
        return -1;
    /* By default the steps stop at every output time.  With dense_output
     * they stop only at the last: earlier output times are read from
     * ARKODE's interpolant (Hermite), so many output times cost no extra
     * steps; the solver may step past an earlier time and interpolate
     * back.  The interpolant's error adds to the solve's, and the outputs
     * then move with the step sequence as parameters change. */
    int dense = s->opt.dense_output && !ode_method_is_fixed(s->opt.method);
    if (flag >= 0 && dense)
        flag = ERKStepSetStopTime(in->mem, times[K - 1]);
    if (check_flag(s, flag, "ERKStepSetStopTime", e) != 0)
        return -1;
    if (dense && s->opt.method == ODE_DOPRI5) {
        s->ring_count = 0;
        int rc = forward_dopri5_dense(s, in, t0, K, times, h_out, e);
        long steps = 0;
        ERKStepGetNumSteps(in->mem, &steps);
        s->stats.nfe_forward = s->nfe;
        s->stats.steps_forward = steps;
        return rc;
    }
    double t = t0, reached = t0;
    for (int k = 0; k < K; k++) {
        if (times[k] > (dense ? t0 : reached)) {
            if (!dense)
                flag = ERKStepSetStopTime(in->mem, times[k]);
            if (flag >= 0)
                flag = ERKStepEvolve(in->mem, times[k], in->y, &t, ARK_NORMAL);
            if (check_flag(s, flag, "forward solve", e) != 0) {
                s->stats.nfe_forward = s->nfe;
                return forward_failed(s, flag, fmax(t, reached), t0, times[K - 1], e);
            }
            reached = t;
        }
        memcpy(h_out + (size_t)k * n, N_VGetArrayPointer(in->y), n * sizeof *h_out);
    }
    long steps = 0;
    ERKStepGetNumSteps(in->mem, &steps);
    s->stats.nfe_forward = s->nfe;
    s->stats.steps_forward = steps;
    return 0;
}

static double *solver_tmp(ode_solver_t *s, size_t n)
{
    if (s->tmp_n < n) {
        free(s->tmp);
        s->tmp = xmalloc(n * sizeof(double));
        s->tmp_n = n;
    }
    return s->tmp;
}

static double dot(const double *a, const double *b, size_t n)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; i++)
        acc += a[i] * b[i];
    return acc;
}

/* dL/dt_k = dL/dh(t_k) . f(t_k, h(t_k)) into dL_dtimes[k + 1]: moving an
 * output time moves only where the trajectory is read. */
static int output_time_grads(ode_solver_t *s, const odefunc_t *f, int K, const double *times,
                             const double *h_out, const double *dL_dh, double *dL_dtimes,
                             err_t *e)
{
    size_t n = f->n;
    double *fy = solver_tmp(s, n);
    for (int k = 0; k < K; k++) {
        s->nfe++;
        if (f->rhs(f->ctx, times[k], h_out + (size_t)k * n, fy) != 0)
            return err_set(e, "ode: cannot evaluate f at t = %g", times[k]);
        dL_dtimes[k + 1] = dot(dL_dh + (size_t)k * n, fy, n);
    }
    return 0;
}

/* The adjoint solve of one stretch, in reversed time s = -t, from *sv to
 * -target (t0 < target): the first starts the integrator, the later ones
 * reset it after the jump in a.  *steps_total gathers the steps a reset's
 * restarted counter would lose. */
static int adjoint_stretch(ode_solver_t *s, integrator_t *in, double t0, double t_end,
                           double span, double target, int *started, double *sv,
                           long *steps_total, err_t *e)
{
    int flag;
    if (!*started) {
        flag = ERKStepReInit(in->mem, bwd_rhs, *sv, in->y);
        if (flag >= 0 && !ode_method_is_fixed(s->opt.method)) {
            double h_init;
            if (initial_step(s, in, bwd_rhs, 1, *sv, span, &h_init) != 0)
                return err_set(e, "ode: cannot evaluate the adjoint at t = %g", -*sv);
            flag = ERKStepSetInitStep(in->mem, h_init);
        }
        *started = 1;
    } else {
        /* A jump in a: ERKStepReset continues the same solve from
         * the new state (ARKODE's call for a discontinuity in the
         * solution): the step size the controller chose before
         * the stop is kept, and nothing is estimated again; only
         * the first stage is evaluated afresh (FSAL is void
         * across a jump).  The step counter may restart at 0. */
        long before = 0, after = 0;
        ERKStepGetNumSteps(in->mem, &before);
        flag = ERKStepReset(in->mem, *sv, in->y);
        ERKStepGetNumSteps(in->mem, &after);
        if (after < before)
            *steps_total += before - after;
    }
    if (flag >= 0)
        flag = ERKStepSetStopTime(in->mem, -target);
    if (flag >= 0)
        flag = ERKStepEvolve(in->mem, -target, in->y, sv, ARK_NORMAL);
    if (flag < 0) {
        s->stats.nfe_backward = s->nfe;
        char name[64];
        return err_set(e, "ode: adjoint solve diverged or failed at t = %g of [%g, %g] "
                          "(%s)%s%s",
                       -*sv, t0, t_end, flag_name(flag, name, sizeof name),
                       s->arkode_msg[0] ? ": " : "", s->arkode_msg);
    }
    *sv = -target;
    return 0;
}

int ode_backward(ode_solver_t *s, const odefunc_t *f, double t0, const double *h0, int K,
                 const double *times, const double *h_out, const double *dL_dh,
                 double *dL_dh0, double *dL_dparams, double *dL_dtimes, err_t *e)
{
    if (check_times(t0, K, times, e) != 0)
        return -1;
    size_t n = f->n, np = f->n_params, N = 2 * n + np;
    s->f = f;
    s->nfe = 0;
    s->arkode_msg[0] = '\0';
    s->stats.nfe_backward = s->stats.steps_backward = 0;
    integrator_t *in = &s->bwd;
    double span = times[K - 1] - t0;
    if (ode_method_is_fixed(s->opt.method))
        integrator_free(in);
    if (integrator_prepare(s, in, N, bwd_rhs, 1, span, e) != 0)
        return -1;
    if (dL_dtimes && output_time_grads(s, f, K, times, h_out, dL_dh, dL_dtimes, e) != 0)
        return -1;

    double *Y = N_VGetArrayPointer(in->y); /* (2 n + np): h | a | dL/dparams */
    memcpy(Y, h_out + (size_t)(K - 1) * n, n * sizeof *Y);
    memcpy(Y + n, dL_dh + (size_t)(K - 1) * n, n * sizeof *Y);
    memset(Y + 2 * n, 0, np * sizeof *Y);
    double sv = -times[K - 1];
    int started = 0;
    long steps_total = 0;
    for (int k = K - 1; k >= 0; k--) {
        double target = k > 0 ? times[k - 1] : t0;
        if (-target > sv) {
            if (adjoint_stretch(s, in, t0, times[K - 1], span, target, &started, &sv,
                                &steps_total, e) != 0)
                return -1;
            Y = N_VGetArrayPointer(in->y);
        }
        if (k > 0) {
            /* Restart h from the forward solution (the backward
             * reconstruction drifts) and add the observation's gradient. */
            memcpy(Y, h_out + (size_t)(k - 1) * n, n * sizeof *Y);
            const double *g = dL_dh + (size_t)(k - 1) * n;
            for (size_t i = 0; i < n; i++)
                Y[n + i] += g[i];
        }
    }
    if (started) {
        long steps = 0;
        ERKStepGetNumSteps(in->mem, &steps);
        steps_total += steps;
        ERKStepSetInitStep(in->mem, 0.0);
    }
    memcpy(dL_dh0, Y + n, n * sizeof *Y);
    for (size_t i = 0; i < np; i++)
        dL_dparams[i] += Y[2 * n + i];
    if (dL_dtimes) {
        double *fy = solver_tmp(s, n);
        s->nfe++;
        if (f->rhs(f->ctx, t0, h0, fy) != 0)
            return err_set(e, "ode: cannot evaluate f at t0 = %g", t0);
        dL_dtimes[0] = -dot(dL_dh0, fy, n);
    }
    s->stats.nfe_backward = s->nfe;
    s->stats.steps_backward = steps_total;
    return 0;
}

int ode_method_check_order(ode_method_t m, int *q, int *p)
{
    ARKodeButcherTable B = method_table(m);
    if (!B)
        return -1;
    int flag = ARKodeButcherTable_CheckOrder(B, q, p, NULL);
    ARKodeButcherTable_Free(B);
    return flag;
}
