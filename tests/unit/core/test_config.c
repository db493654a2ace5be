/* Strict INI configs and checkpoints: good files load exactly, bad ones are
 * refused with the file and the problem. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checkpoint.h"
#include "core/config.h"
#include "models/mlp/mlp_kind.h"
#include "train/runcfg.h"
#include "test_util.h"

/* The MLP kind's resolved configuration of a run. */
#define MLP_CFG(rc) ((const mlp_cfg_t *)runcfg_kind_cfg_const(&(rc)))

/* Smallest valid configurations of some kinds, for the range checks. */
#define TRAIN_KEYS "[train]\nseed = 1\nbatch_size = 16\niterations = 5\nlr = 0.02\n"
#define MLP_BASE "[model]\nhidden = 8\nloss = mse\nreadout = 1\noutput_dim = 1\n" TRAIN_KEYS
#define CONV_BASE "[model]\nkind = odenet\n[train]\nseed = 1\nbatch_size = 16\nepochs = 1\nlr = 0.1\n"
#define LATENT_BASE "[model]\nkind = latent\nloss = elbo\nhidden = 8\n" TRAIN_KEYS
#define RNN_BASE "[model]\nkind = rnn\nloss = nll\n" TRAIN_KEYS
#define CNF_BASE "[model]\nkind = cnf\nloss = nll\nhidden = 8, 8\n" TRAIN_KEYS

typedef struct {
    double lr;
    long steps;
    char name[CFG_STR_MAX];
    int flag;
    double tol;
} sample_t;

#define SAMPLE_FIELDS(s)                                                                    \
    {                                                                                       \
        {"train", "lr", CFG_DOUBLE, NULL, &(s)->lr},                                        \
        {"train", "steps", CFG_LONG, NULL, &(s)->steps},                                    \
        {"train", "name", CFG_STRING, "anode", (s)->name},                                  \
        {"ode", "seminorm", CFG_BOOL, "false", &(s)->flag},                                 \
        {"ode", "tol", CFG_DOUBLE, "1e-3", &(s)->tol},                                      \
    }

static int load(const char *text, sample_t *s, err_t *e, char **path_out)
{
    cfg_field_t f[] = SAMPLE_FIELDS(s);
    char *path = temp_path("cfg");
    write_text(path, text);
    int rc = config_load(path, f, sizeof f / sizeof f[0], e);
    if (path_out)
        *path_out = path;
    else {
        unlink(path);
        free(path);
    }
    return rc;
}

static void valid_file_and_defaults(void **state)
{
    (void)state;
    sample_t s;
    err_t e = {{0}};
    if (load("# run\n[train]\nlr = 0.05\nsteps = 50 ; fifty\n[ode]\nseminorm = yes\n", &s, &e,
             NULL) != 0)
        fail_msg("%s", e.msg);
    assert_true(s.lr == 0.05);
    assert_int_equal(s.steps, 50);
    assert_string_equal(s.name, "anode");
    assert_int_equal(s.flag, 1);
    assert_true(s.tol == 1e-3);
}

static void expect_refused(const char *text, const char *fragment)
{
    sample_t s;
    err_t e = {{0}};
    char *path;
    if (load(text, &s, &e, &path) == 0)
        fail_msg("accepted a bad config; expected '%s'", fragment);
    if (!strstr(e.msg, fragment) || !strstr(e.msg, path))
        fail_msg("message '%s' lacks '%s' or the path", e.msg, fragment);
    unlink(path);
    free(path);
}

static void bad_files_refused(void **state)
{
    (void)state;
    expect_refused("[train]\nlr = 0.1\nsteps = 5\nlearning_rate = 2\n",
                   ":4: unknown key 'learning_rate' in section [train]");
    expect_refused("[train]\nlr = 0.1\n", "missing key 'steps' in section [train]");
    expect_refused("[train]\nlr = 0.1\nsteps = 5\nlr = 0.2\n", ":4: duplicate key 'lr'");
    expect_refused("[train]\nlr = abc\nsteps = 5\n", ":2: 'lr': 'abc' is not a number");
    expect_refused("[train]\nlr = 1e-3x\nsteps = 5\n", "is not a number");
    expect_refused("[train]\nlr = 1\nsteps = 5.5\n", "'steps': '5.5' is not an integer");
    expect_refused("[train]\nlr = 1\nsteps = 5\n[ode]\nseminorm = maybe\n",
                   "is not true or false");
    expect_refused("[train\nlr = 1\nsteps = 5\n", ":1: syntax error");
    expect_refused("[model]\nlr = 1\n", "unknown key 'lr' in section [model]");
    char longline[600];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "# ", 2);
    memcpy(longline + 400, "\n[train]\nlr = 1\nsteps = 2\n", 27);
    longline[427] = '\0';
    expect_refused(longline, ":1: line longer than");
    sample_t s;
    err_t e = {{0}};
    cfg_field_t f[] = SAMPLE_FIELDS(&s);
    assert_int_equal(config_load("/nonexistent/run.ini", f, 5, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/run.ini: cannot open"));
}

static void round_trip_is_exact(void **state)
{
    (void)state;
    sample_t a = {.lr = 0.1 + 0.2, .steps = -7, .name = "x y", .flag = 1, .tol = 1.0 / 3.0};
    cfg_field_t fa[] = SAMPLE_FIELDS(&a);
    char *text = config_to_string(fa, 5);
    sample_t b;
    cfg_field_t fb[] = SAMPLE_FIELDS(&b);
    err_t e = {{0}};
    if (config_load_string("meta", text, fb, 5, &e) != 0)
        fail_msg("%s\n%s", e.msg, text);
    assert_memory_equal(&a.lr, &b.lr, sizeof a.lr);
    assert_memory_equal(&a.tol, &b.tol, sizeof a.tol);
    assert_int_equal(a.steps, b.steps);
    assert_string_equal(a.name, b.name);
    assert_int_equal(a.flag, b.flag);
    free(text);
}

static void long_lists(void **state)
{
    (void)state;
    long v[4];
    int n = 0;
    err_t e = {{0}};
    assert_int_equal(parse_long_list("64,64", v, 4, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[1], 64);
    assert_int_equal(parse_long_list("10 10, 20", v, 4, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_int_equal(parse_long_list("1,2,3,4,5", v, 4, &n, &e), -1);
    assert_int_equal(parse_long_list("", v, 4, &n, &e), -1);
    assert_int_equal(parse_long_list("10,x", v, 4, &n, &e), -1);
}

/* The run configuration: a missing required key and an unknown activation
 * are named. */
static void run_config_validation(void **state)
{
    (void)state;
    runcfg_t rc;
    err_t e = {{0}};
    const char *good = "[model]\nhidden = 10,10\nloss = cross_entropy\nfinal_act = tanh\n"
                       "[ode]\nmethod = tsit5\n[train]\nseed = 1\nbatch_size = 100\n"
                       "iterations = 50\nlr = 0.05\n";
    if (runcfg_load_string("good.ini", good, &rc, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(MLP_CFG(rc)->model.n_hidden, 2);
    assert_int_equal(rc.model.ode.method, ODE_TSIT5);
    char *text = runcfg_to_string(&rc);
    runcfg_t back;
    if (runcfg_load_string("meta", text, &back, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(back.batch_size, 100);
    free(text);
    assert_int_equal(runcfg_load_string("r.ini", "[model]\nhidden = 10\nloss = mse\n", &rc, &e), -1);
    assert_non_null(strstr(e.msg, "missing key 'seed' in section [train]"));
    char bad[512];
    snprintf(bad, sizeof bad, "%s", good);
    char *p = strstr(bad, "final_act = tanh");
    memcpy(p, "final_act = tahn", 16);
    assert_int_equal(runcfg_load_string("r.ini", bad, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "final_act: unknown activation 'tahn'"));
    /* What a second-order field reads: position (1) or the whole state (2). */
    char so[640];
    snprintf(so, sizeof so, "%s[model]\nsecond_order = true\nsecond_order_input = state\n", good);
    if (runcfg_load_string("so.ini", so, &rc, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(MLP_CFG(rc)->model.second_order, 2);
    snprintf(so, sizeof so, "%s[model]\nsecond_order = true\n", good);
    if (runcfg_load_string("so.ini", so, &rc, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(MLP_CFG(rc)->model.second_order, 1);
    snprintf(so, sizeof so, "%s[model]\nsecond_order = true\nsecond_order_input = velocity\n", good);
    assert_int_equal(runcfg_load_string("so.ini", so, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "second_order_input: 'velocity' is neither position nor state"));
    snprintf(so, sizeof so, "%s[model]\nsecond_order_input = state\n", good);
    assert_int_equal(runcfg_load_string("so.ini", so, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "second_order_input = state needs second_order = true"));
}

/* Every integer key is range-checked before any cast: 2^32 + 1 (which an
 * (int) cast turns into 1) and a negative value are refused, naming the key,
 * the value and the range.  So is a hidden width of 2^32 + 8. */
static void integer_keys_are_range_checked(void **state)
{
    (void)state;
    static const struct {
        const char *key, *base;
    } keys[] = {
        {"data.train_count", MLP_BASE},       {"data.test_count", MLP_BASE},
        {"data.eval_batch", MLP_BASE},        {"data.eval_every", MLP_BASE},
        {"model.channels", CONV_BASE},        {"model.input_dim", MLP_BASE},
        {"model.input_layer", MLP_BASE},      {"model.augment", MLP_BASE},
        {"model.state_dim", MLP_BASE},        {"model.readout", MLP_BASE},
        {"model.readout_offset", MLP_BASE},   {"model.output_dim", MLP_BASE},
        {"model.latent_dim", LATENT_BASE},    {"model.rnn_hidden", LATENT_BASE},
        {"model.decoder_hidden", LATENT_BASE}, {"model.rnn_hidden", RNN_BASE},
        {"model.decoder_hidden", RNN_BASE},   {"ode.max_steps", MLP_BASE},
        {"ode.fixed_steps", MLP_BASE},        {"train.seed", MLP_BASE},
        {"train.batch_size", MLP_BASE},       {"train.iterations", MLP_BASE},
        {"train.epochs", CONV_BASE},          {"train.lbfgs_iterations", MLP_BASE},
        {"train.threads", MLP_BASE}};
    static const char *const values[] = {"4294967297", "-4294967297", "9223372036854775807"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *key = keys[i].key, *dot = strchr(key, '.');
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            if (!strcmp(key, "train.seed") && values[v][0] != '-')
                continue; /* the seed's range is all of 0..LONG_MAX */
            runcfg_t rc;
            err_t e = {{0}};
            if (runcfg_load_string("good.ini", keys[i].base, &rc, &e) != 0)
                fail_msg("%s", e.msg);
            char set[128], want[128];
            snprintf(set, sizeof set, "[%.*s]\n%s = %s\n", (int)(dot - key), key, dot + 1,
                     values[v]);
            snprintf(want, sizeof want, "[%.*s] %s = %s is out of range ", (int)(dot - key),
                     key, dot + 1, values[v]);
            if (runcfg_override(&rc, "--set", set, &e) == 0)
                fail_msg("%s = %s accepted", key, values[v]);
            if (!strstr(e.msg, want))
                fail_msg("'%s' lacks '%s'", e.msg, want);
        }
    }
    err_t e = {{0}};
    static const char *const hidden_bases[] = {MLP_BASE, LATENT_BASE, CNF_BASE};
    for (size_t k = 0; k < sizeof hidden_bases / sizeof hidden_bases[0]; k++) {
        runcfg_t r;
        if (runcfg_load_string("good.ini", hidden_bases[k], &r, &e) != 0)
            fail_msg("%s", e.msg);
        assert_int_equal(runcfg_override(&r, "--set",
                                         "[model]\nhidden = 4294967304, 4294967304\n", &e),
                         -1);
        if (!strstr(e.msg, "[model] hidden:") || !strstr(e.msg, "4294967304") ||
            !strstr(e.msg, "1..4096"))
            fail_msg("kind %zu: '%s'", k, e.msg);
    }
}

/* Each kind reads its own keys: another kind's key is unknown (and the
 * message lists the kind's own), and --set may switch only between kinds
 * that share their keys (odenet and resnet). */
static void kinds_own_their_keys(void **state)
{
    (void)state;
    runcfg_t rc;
    err_t e = {{0}};
    char text[1024];
    snprintf(text, sizeof text, "%s[model]\nchannels = 32\n", MLP_BASE);
    assert_int_equal(runcfg_load_string("m.ini", text, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "unknown key 'channels' in section [model]"));
    assert_non_null(strstr(e.msg, "kind mlp's own keys:"));
    assert_non_null(strstr(e.msg, "[model] augment"));
    snprintf(text, sizeof text, "%s[model]\naugment = 2\n", RNN_BASE);
    assert_int_equal(runcfg_load_string("r.ini", text, &rc, &e), -1);
    assert_non_null(strstr(e.msg, "unknown key 'augment' in section [model]"));
    assert_non_null(strstr(e.msg, "kind rnn's own keys: [model] rnn_hidden"));
    if (runcfg_load_string("c.ini", CONV_BASE, &rc, &e) != 0)
        fail_msg("%s", e.msg);
    if (runcfg_override(&rc, "--set", "[model]\nkind = resnet\n", &e) != 0)
        fail_msg("%s", e.msg);
    assert_string_equal(rc.model_kind->name, "resnet");
    assert_int_equal(runcfg_override(&rc, "--set", "[model]\nkind = mlp\n", &e), -1);
    assert_non_null(strstr(e.msg, "resnet cannot become mlp"));
    /* What a run wrote back reads back the same, with the kind's keys only. */
    if (runcfg_load_string("l.ini", LATENT_BASE, &rc, &e) != 0)
        fail_msg("%s", e.msg);
    char *back = runcfg_to_string(&rc);
    assert_non_null(strstr(back, "latent_dim = 4\n"));
    assert_null(strstr(back, "augment"));
    assert_null(strstr(back, "channels"));
    runcfg_t again;
    if (runcfg_load_string("meta", back, &again, &e) != 0)
        fail_msg("%s", e.msg);
    char *twice = runcfg_to_string(&again);
    assert_string_equal(back, twice);
    free(back);
    free(twice);
}

/* Real keys: nan and inf are refused for every key, and each real key's
 * range is checked at load time, naming the key. */
static void real_keys_are_checked(void **state)
{
    (void)state;
    const char *good = "[model]\nhidden = 8\nloss = mse\nreadout = 1\noutput_dim = 1\n"
                       "[train]\nseed = 1\nbatch_size = 16\niterations = 5\nlr = 0.02\n";
    static const struct {
        const char *section, *key, *value, *want;
    } cases[] = {
        {"train", "lr", "inf", "'lr': 'inf' is not a finite number"},
        {"train", "lr", "nan", "'lr': 'nan' is not a finite number"},
        {"ode", "rtol", "-inf", "'rtol': '-inf' is not a finite number"},
        {"model", "t1", "inf", "'t1': 'inf' is not a finite number"},
        {"train", "end_time_jitter", "nan", "'end_time_jitter': 'nan' is not a finite"},
        {"train", "lr", "0", "[train] lr = 0 must be positive"},
        {"train", "lr", "-0.1", "[train] lr = -0.1 must be positive"},
        {"ode", "adjoint_rtol", "-1e-6", "adjoint_rtol and adjoint_atol must be >= 0"},
        {"ode", "adjoint_atol", "-1", "adjoint_rtol and adjoint_atol must be >= 0"},
        {"ode", "atol", "0", "[ode] rtol and atol must be positive"},
        {"train", "beta1", "1", "[train] beta1 = 1 is not in [0, 1)"},
        {"train", "beta2", "-0.5", "[train] beta2 = -0.5 is not in [0, 1)"},
        {"train", "eps", "0", "[train] eps = 0 must be positive"},
        {"train", "momentum", "1.5", "[train] momentum = 1.5 is not in [0, 1)"},
        {"train", "weight_decay", "-1", "[train] weight_decay = -1 must not be negative"},
        {"model", "t1", "-1", "[model] t1 = -1 must be greater than t0 = 0"},
        {"train", "end_time_jitter", "-0.1", "end_time_jitter must be in [0, t1 - t0)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        runcfg_t rc;
        err_t e = {{0}};
        if (runcfg_load_string("good.ini", good, &rc, &e) != 0)
            fail_msg("%s", e.msg);
        char set[128];
        snprintf(set, sizeof set, "[%s]\n%s = %s\n", cases[i].section, cases[i].key,
                 cases[i].value);
        if (runcfg_override(&rc, "--set", set, &e) == 0)
            fail_msg("%s.%s = %s accepted", cases[i].section, cases[i].key, cases[i].value);
        if (!strstr(e.msg, cases[i].want))
            fail_msg("'%s' lacks '%s'", e.msg, cases[i].want);
    }
    /* obs_noise is the latent ODE's (and the rnn's) own key. */
    runcfg_t lc;
    err_t le = {{0}};
    if (runcfg_load_string("l.ini", LATENT_BASE, &lc, &le) != 0)
        fail_msg("%s", le.msg);
    assert_int_equal(runcfg_override(&lc, "--set", "[model]\nobs_noise = -0.1\n", &le), -1);
    assert_non_null(strstr(le.msg, "[model] obs_noise must be positive"));
    assert_int_equal(runcfg_override(&lc, "--set", "[model]\nobs_noise = nan\n", &le), -1);
    assert_non_null(strstr(le.msg, "'obs_noise': 'nan' is not a finite number"));
    /* The adjoint tolerances' 0 still means "as forward". */
    runcfg_t rc;
    err_t e = {{0}};
    if (runcfg_load_string("good.ini", good, &rc, &e) != 0 ||
        runcfg_override(&rc, "--set", "[ode]\nadjoint_rtol = 0\nadjoint_atol = 1e-6\n", &e) != 0)
        fail_msg("%s", e.msg);
}

/* ------------------------------------------------------------ checkpoints */

static void write_sample(const char *path, double *params, size_t n)
{
    for (size_t i = 0; i < n; i++)
        params[i] = (double)i * 0.37 - 1.0 / (double)(i + 3);
    err_t e = {{0}};
    if (checkpoint_write(path, "[model]\nhidden = 10\n", params, n, &e) != 0)
        fail_msg("%s", e.msg);
}

static void checkpoint_round_trip(void **state)
{
    (void)state;
    char *path = temp_path("ckpt");
    double p[17];
    write_sample(path, p, 17);
    char *meta;
    double *q;
    size_t n;
    err_t e = {{0}};
    if (checkpoint_read(path, &meta, &q, &n, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 17);
    assert_memory_equal(p, q, sizeof p);
    assert_string_equal(meta, "[model]\nhidden = 10\n");
    free(meta);
    free(q);
    unlink(path);
    free(path);
}

static void expect_bad_checkpoint(const unsigned char *buf, size_t len, const char *fragment)
{
    char *path = temp_path("badckpt");
    write_bytes(path, buf, len);
    char *meta = (char *)1;
    double *q = (double *)1;
    size_t n;
    err_t e = {{0}};
    if (checkpoint_read(path, &meta, &q, &n, &e) == 0)
        fail_msg("accepted a bad checkpoint (%zu bytes); expected '%s'", len, fragment);
    if (!strstr(e.msg, fragment) || !strstr(e.msg, path))
        fail_msg("message '%s' lacks '%s' or the path", e.msg, fragment);
    assert_null(meta);
    assert_null(q);
    unlink(path);
    free(path);
}

static void checkpoint_damage_refused(void **state)
{
    (void)state;
    char *path = temp_path("ckpt");
    double p[6];
    write_sample(path, p, 6);
    FILE *fp = fopen(path, "rb");
    unsigned char buf[256];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    unlink(path);
    free(path);
    /* 8 magic + 8 header + 20 meta + 8 count + 48 params + 4 crc = 96 */
    assert_int_equal(len, 96);
    size_t cuts[] = {4, 12, 20, 38, 50, 90, 94};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        expect_bad_checkpoint(buf, cuts[i], "truncated");
    unsigned char copy[256];
    memcpy(copy, buf, len);
    copy[60] ^= 0x10;
    expect_bad_checkpoint(copy, len, "checksum");
    memcpy(copy, buf, len);
    copy[0] = 'X';
    expect_bad_checkpoint(copy, len, "not a checkpoint");
    memcpy(copy, buf, len);
    copy[8] = 2;
    expect_bad_checkpoint(copy, len, "unsupported checkpoint version 2");
    memcpy(copy, buf, len);
    copy[len] = 0;
    expect_bad_checkpoint(copy, len + 1, "trailing data");
}

static void checkpoint_write_failure_leaves_nothing(void **state)
{
    (void)state;
    double p[2] = {1, 2};
    err_t e = {{0}};
    assert_int_equal(checkpoint_write("/nonexistent-dir/model.ckpt", "x", p, 2, &e), -1);
    assert_int_equal(access("/nonexistent-dir/model.ckpt", F_OK), -1);
}

const struct CMUnitTest config_tests[] = {
    cmocka_unit_test(valid_file_and_defaults),
    cmocka_unit_test(bad_files_refused),
    cmocka_unit_test(round_trip_is_exact),
    cmocka_unit_test(long_lists),
    cmocka_unit_test(run_config_validation),
    cmocka_unit_test(integer_keys_are_range_checked),
    cmocka_unit_test(kinds_own_their_keys),
    cmocka_unit_test(real_keys_are_checked),
    cmocka_unit_test(checkpoint_round_trip),
    cmocka_unit_test(checkpoint_damage_refused),
    cmocka_unit_test(checkpoint_write_failure_leaves_nothing),
};
const size_t config_tests_count = sizeof config_tests / sizeof config_tests[0];
