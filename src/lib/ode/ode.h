/* The ODE block: forward solves of a batched vector field on SUNDIALS ARKODE
 * (ERKStep) and its continuous adjoint (Chen et al. 2018, Sec. 2 and
 * Appendix B), written on ARKODE's forward integrator run backwards in time
 * because SUNDIALS 6.4 has no adjoint module for ARKODE.
 *
 * A batch is one ODE system: the state is (B, D) row-major, length n = B*D.
 * The vector field owns its parameters; the solver sees only callbacks. */
#ifndef NODE_ODE_H
#define NODE_ODE_H

#include <stddef.h>

#include "core/comm.h"
#include "core/util.h"

/* A vector field dy/dt = f(t, y; theta) with its vector-Jacobian product.
 * Callbacks return 0, or -1 if f cannot be evaluated (non-finite input). */
typedef struct {
    size_t n;        /* state length */
    size_t n_params; /* length of theta */
    void *ctx;
    int (*rhs)(void *ctx, double t, const double *y, double *ydot);
    /* fy = f(t, y) (skipped if NULL), vjp_y = a^T df/dy, vjp_p = a^T df/dtheta
     * (both overwritten). */
    int (*vjp)(void *ctx, double t, const double *y, const double *a, double *fy,
               double *vjp_y, double *vjp_p);
} odefunc_t;

typedef enum {
    ODE_DOPRI5,   /* Dormand-Prince 5(4), ARKODE's DORMAND_PRINCE_7_4_5 */
    ODE_TSIT5,    /* Tsitouras 5(4) (2011), a custom Butcher table */
    ODE_BOSH3,    /* Bogacki-Shampine 3(2), BOGACKI_SHAMPINE_4_2_3 */
    ODE_VERNER6,  /* Verner 6(5), VERNER_8_5_6 */
    ODE_RK4,      /* classical fixed-step Runge-Kutta 4 */
    ODE_EULER     /* fixed-step forward Euler */
} ode_method_t;

int ode_method_parse(const char *name, ode_method_t *out);
const char *ode_method_name(ode_method_t m);
int ode_method_is_fixed(ode_method_t m);

typedef struct {
    ode_method_t method;
    double rtol, atol;           /* adaptive methods */
    double adjoint_rtol, adjoint_atol; /* backward solve; 0 = same as forward */
    long max_steps;              /* per solve segment; 0 = ARKODE's default (500) */
    long fixed_steps;            /* fixed-step methods: steps over [t0, t_K] */
    int seminorm;                /* leave dL/dtheta out of the backward error norm */
    int dense_output;            /* forward: read output times before the last from the
                                  * solver's interpolant instead of stopping at each */
    int controller;              /* step-size controller of adaptive methods (ode_controller_t) */
    /* A group sharing each batch (core/comm.h; NULL: none).  While it is
     * coupled, the state is each member's slice of the group's batch:
     * error norms are the group's, every member takes the same steps, and
     * a failed evaluation on one member is a failed evaluation on all.  In
     * the adjoint, dL/dtheta is a share of a sum: without the seminorm its
     * error weights and norm are those of the group's sum, which costs two
     * reductions of n_params values per step. */
    comm_t *comm;
} ode_options_t;

/* ODE_CTRL_ARKODE: ARKODE 6.4's defaults (PID controller, error bias 1.5,
 * safety 0.96, growth up to 20, step kept when the proposed growth is in
 * [1, 1.5]).  ODE_CTRL_ELEMENTARY: the elementary (I) controller of Hairer,
 * Norsett & Wanner, Sec. II.4, which torchdiffeq also uses: h' = h * 0.9 *
 * err^(-1/(p+1)) with p the embedding order, growth at most 10 and
 * shrinking at most 5-fold, error bias 1, no hold band. */
typedef enum { ODE_CTRL_ARKODE, ODE_CTRL_ELEMENTARY } ode_controller_t;
int ode_controller_parse(const char *name, int *out);

ode_options_t ode_options_default(void);

typedef struct {
    long nfe_forward, nfe_backward;     /* right-hand-side (or VJP) evaluations */
    long steps_forward, steps_backward; /* accepted steps */
} ode_stats_t;

typedef struct ode_solver ode_solver_t;

int ode_solver_create(ode_solver_t **out, const ode_options_t *opt, err_t *e);
void ode_solver_free(ode_solver_t *s);
/* Counts of the last ode_forward / ode_backward calls. */
ode_stats_t ode_solver_stats(const ode_solver_t *s);

/* h(t_k) for k = 1..K into h_out (K, n), starting from h0 at t0.  times are
 * t_1 <= ... strictly increasing after t_1, t_1 >= t0.  Every t_k is hit
 * exactly (ARKODE stop times), never interpolated. */
int ode_forward(ode_solver_t *s, const odefunc_t *f, double t0, const double *h0, int K,
                const double *times, double *h_out, err_t *e);

/* Continuous adjoint after ode_forward with the same arguments.  dL_dh
 * (K, n) holds dL/dh(t_k).  Integrates [h, a, dL/dtheta] from t_K back to
 * t0, adding dL/dh(t_k) to a at each t_k (and restarting h from the forward
 * solution there).  Writes dL_dh0 (n), ADDS into dL_dparams (n_params), and
 * if dL_dtimes is not NULL writes dL/dt0, dL/dt_1, ..., dL/dt_K (K + 1):
 * dL/dt_k = dL/dh(t_k) . f(t_k, h(t_k)), dL/dt0 = -a(t0) . f(t0, h0). */
int ode_backward(ode_solver_t *s, const odefunc_t *f, double t0, const double *h0, int K,
                 const double *times, const double *h_out, const double *dL_dh,
                 double *dL_dh0, double *dL_dparams, double *dL_dtimes, err_t *e);

/* Checks a method's Butcher table against the Runge-Kutta order conditions
 * (ARKodeButcherTable_CheckOrder): writes the orders it satisfies, returns 0
 * if they match the stated method and embedding orders. */
int ode_method_check_order(ode_method_t m, int *q, int *p);

#endif
